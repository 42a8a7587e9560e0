// The only module that reads process.env: hands it to the shared runner with this service's parts.
import { runService } from '@flowrent/shared/cli';
import { createApp } from './app.js';
import { configTable, tuneDatabase } from './config.js';

await runService(
  {
    name: 'log-viewer',
    packageJson: new URL('../package.json', import.meta.url),
    migrationsDir: new URL('../migrations/', import.meta.url),
    databaseFile: 'logs.db',
    configTable,
    createApp: (deps: Parameters<typeof createApp>[0]) => {
      tuneDatabase(deps.db);
      return createApp(deps);
    },
  },
  process.argv.slice(2),
  process.env,
);
