// The only module that reads process.env: hands it to the shared runner with this service's parts.
import { runService } from '@flowrent/shared/cli';
import { createApp } from './app.js';
import { configTable } from './config.js';

await runService(
  {
    name: 'log-viewer',
    packageJson: new URL('../package.json', import.meta.url),
    migrationsDir: new URL('../migrations/', import.meta.url),
    databaseFile: 'logs.db',
    configTable,
    createApp,
  },
  process.argv.slice(2),
  process.env,
);
