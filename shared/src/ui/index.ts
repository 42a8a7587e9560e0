// @flowrent/shared/ui: the UI kit. Test helpers (Chromium) live in ./browser.ts, imported separately as
// @flowrent/shared/ui/browser so production never loads playwright-core.
export {
  formatBytes,
  formatDuration,
  formatNumber,
  formatRelativeTime,
  type Level,
  levelClass,
  normalizeLevel,
} from './format.js';
export {
  escapeHtml,
  type HtmlValue,
  html,
  isSafeHtml,
  joinHtml,
  raw,
  type SafeHtml,
  safeLocalPath,
  safeUrl,
} from './html.js';
export { parseCookies, parseForm, serializeCookie } from './http-util.js';
export {
  emptyState,
  type LoginPageOptions,
  type PageOptions,
  PRODUCT_NAME,
  renderLoginPage,
  renderPage,
  SERVICE_LABELS,
  type ServiceName,
  type ServiceUrls,
  serviceLink,
  timeAgo,
} from './layout.js';
export { metricsQueryUrl, requestMetricsQuery, traceErrorsUrl, traceLogsUrl } from './links.js';
export {
  csrfToken,
  readSession,
  registerUi,
  registerUiPages,
  requireSession,
  type UiOptions,
  verifyCsrf,
  WORKSPACES,
} from './register.js';
export { CONTENT_SECURITY_POLICY, formBody, isHttps, setSecurityHeaders } from './security.js';
export type { Session } from './session.js';
