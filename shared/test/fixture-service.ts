// A minimal service run through the shared runner, for the CLI tests (flags, config errors,
// dev-mode key, healthcheck, graceful shutdown).
import { runService } from '../src/cli.js';
import { baseConfig, defineConfig } from '../src/config.js';
import { createServiceApp } from '../src/http.js';

const configTable = defineConfig({ ...baseConfig });

await runService(
  {
    name: 'fixture-service',
    packageJson: new URL('../package.json', import.meta.url),
    migrationsDir: new URL('./fixture-migrations/', import.meta.url),
    databaseFile: 'fixture.db',
    configTable,
    createApp: (deps) => {
      const app = createServiceApp({
        service: { name: 'fixture-service', version: deps.version },
        config: deps.config,
        registry: deps.registry,
        isReady: deps.isReady,
        logger: false,
      });
      // A slow request lets the test check that shutdown waits for in-flight work.
      app.get('/slow', async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return { finished: true };
      });
      return app;
    },
  },
  process.argv.slice(2),
  process.env,
);
