// One call for app.ts: the read API and the web UI of the log viewer.
import type { Db } from '@flowrent/shared/db';
import type { FastifyInstance } from 'fastify';
import type { LogStore } from '../store/log-store.js';
import { type LogsUiDeps, registerLogsUi } from '../ui/logs-page.js';
import { resumeDeletes } from '../query/run-query.js';
import { nextTurn } from './query-handlers.js';
import { boundRegexBacktracking } from './query-regex-engine.js';
import { registerQueryRoutes } from './query-routes.js';
import { warmUpReadPath } from './query-warm-up.js';

export interface ReadSideDeps {
  store: LogStore;
  db: Db;
  /** Epoch ms. */
  clock: () => number;
  config: LogsUiDeps['config'];
}

export function registerReadSide(app: FastifyInstance, deps: ReadSideDeps): void {
  boundRegexBacktracking();
  registerQueryRoutes(app, deps);
  registerLogsUi(app, deps);
  // The search code's JIT warm-up, once the app is ready and off its start-up path (query-warm-up.ts).
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    // Deletes a crash or shutdown cut go on in the background, a block per turn of the event loop.
    resumeDeletes(deps.store, nextTurn).then(
      (done) => {
        for (const d of done)
          app.log.info(`delete ${d.id} resumed and finished: ${d.matched} records deleted`);
      },
      (err) => app.log.warn({ err }, 'resuming an unfinished delete failed; it resumes at the next start'),
    );
    timer = setTimeout(() => {
      try {
        warmUpReadPath();
      } catch (err) {
        app.log.warn({ err }, 'read path warm-up failed');
      }
    }, 0);
    timer.unref();
  });
  app.addHook('onClose', async () => clearTimeout(timer));
}
