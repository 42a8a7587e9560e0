// Dependencies that only some deployments or requests need, loaded on first use instead of at
// start-up: yaml (rule files, scrape configs) and the PromQL grammar (first query or rule). Each
// costs ~2-4 MB of RSS once loaded; an ingest-only collector never loads them. createRequire keeps
// the callers synchronous (a dynamic import() would make every parse function async).
import { createRequire } from 'node:module';
import type * as PromqlGrammar from '@prometheus-io/lezer-promql';
import type * as Yaml from 'yaml';

const require = createRequire(import.meta.url);
let yaml: typeof Yaml | undefined;
let promqlGrammar: typeof PromqlGrammar | undefined;

/** yaml's parse(): null for an empty document, throws YAMLParseError on bad input. */
export function parseYaml(text: string): unknown {
  yaml ??= require('yaml') as typeof Yaml;
  return yaml.parse(text);
}

/** The lezer-promql parser (its CommonJS build: nothing of ours imports its ES build server-side). */
export function promqlParser(): typeof PromqlGrammar.parser {
  promqlGrammar ??= require('@prometheus-io/lezer-promql') as typeof PromqlGrammar;
  return promqlGrammar.parser;
}
