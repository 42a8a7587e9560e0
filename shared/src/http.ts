export { createServiceApp, type IngestOptions, type RouteAuth, type ServiceAppOptions } from './http/app.js';
export { keysMatch, presentedKey } from './http/auth.js';
export { decodeBody, parseJson } from './http/body.js';
export { toErrorResponse } from './http/error-handler.js';
