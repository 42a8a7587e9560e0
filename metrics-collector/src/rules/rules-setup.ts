// Builds the rule manager for app.ts from the config: rule files (comma-separated paths), the
// evaluation interval, alert webhooks. Recorded samples and ALERTS go into the store.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { SampleSource } from '../promql/sample-source.js';
import { WebhookNotifier } from './notifier.js';
import { parseRuleFile, type RuleGroup } from './rule-file.js';
import type { OutSample } from './rule-eval.js';
import { RuleManager } from './rule-manager.js';

declare module 'fastify' {
  interface FastifyInstance {
    rules?: RuleManager;
  }
}

export interface RulesConfig {
  RULE_FILES: string;
  RULE_EVALUATION_INTERVAL: number;
  ALERT_WEBHOOK_URLS: string;
  METRICS_COLLECTOR_URL: string;
}

export function loadRuleGroups(files: string, intervalMs: number): RuleGroup[] {
  return files
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)
    .flatMap((file) => parseRuleFile(readFileSync(file, 'utf8'), file, intervalMs));
}

export function setupRules(
  app: FastifyInstance,
  opts: {
    config: RulesConfig;
    source: SampleSource;
    clock: () => number;
    write: (samples: OutSample[]) => unknown;
  },
): RuleManager {
  const { config } = opts;
  const urls = alertWebhookUrls(config.ALERT_WEBHOOK_URLS);
  const notifier = new WebhookNotifier({
    urls,
    externalURL: config.METRICS_COLLECTOR_URL,
    onError: (message) => app.log.warn(message),
  });
  const manager = new RuleManager({
    source: opts.source,
    groups: loadRuleGroups(config.RULE_FILES, config.RULE_EVALUATION_INTERVAL),
    clock: opts.clock,
    write: opts.write,
    notifier,
    externalURL: config.METRICS_COLLECTOR_URL,
    queryOptions: { subqueryStepMs: config.RULE_EVALUATION_INTERVAL },
  });
  app.decorate('rules', manager);
  if (manager.groups.length > 0) {
    app.addHook('onReady', async () => manager.start());
    app.addHook('onClose', async () => {
      await manager.stop();
      await notifier.idle();
    });
  }
  return manager;
}

/** ALERT_WEBHOOK_URLS: comma-separated, blanks ignored. */
export function alertWebhookUrls(value: string): string[] {
  return value
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
}
