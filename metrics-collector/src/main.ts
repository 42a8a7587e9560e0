// The only module that reads process.env: hands it to the shared runner with this service's parts.
import { runService } from '@flowrent/shared/cli';
import { createApp } from './app.js';
import { configTable } from './config.js';
import { RuleFileError } from './rules/rule-file.js';
import { ScrapeConfigError } from './scrape/scrape-config.js';

try {
  await runService(
    {
      name: 'metrics-collector',
      packageJson: new URL('../package.json', import.meta.url),
      migrationsDir: new URL('../migrations/', import.meta.url),
      databaseFile: 'metrics.db',
      configTable,
      createApp,
    },
    process.argv.slice(2),
    process.env,
  );
} catch (err) {
  // The files SCRAPE_CONFIG and RULE_FILES name are read when the app is built: a bad one is a
  // configuration error like a bad variable (one line, exit 2), not an uncaught stack trace.
  const variable =
    err instanceof ScrapeConfigError
      ? 'SCRAPE_CONFIG'
      : err instanceof RuleFileError
        ? 'RULE_FILES'
        : undefined;
  if (!variable) throw err;
  console.error(`metrics-collector: configuration error: ${variable}: ${(err as Error).message}`);
  process.exit(2);
}
