// What the handlers need, built once by app.ts.
import type { ErrorStore } from '../store/store.js';
import type { AlertDeliverer } from '../service/alert-deliverer.js';
import type { Digester } from '../service/digester.js';
import type { IngestService } from '../service/ingest-service.js';
import type { Maintenance } from '../service/maintenance.js';

export interface HttpContext {
  store: ErrorStore;
  ingest: IngestService;
  digester: Digester;
  deliverer: AlertDeliverer;
  maintenance: Maintenance;
  clock: () => number;
  /** Public base URL of the service, for DSNs and links. */
  publicUrl: string;
  newPublicKey: () => string;
}
