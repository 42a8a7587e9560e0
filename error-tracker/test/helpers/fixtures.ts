// Loads the captured Sentry SDK requests in ../shared/fixtures/errors/ (see the README there).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// ../shared sits beside the repository (in CI too), so resolve it from here, not from a fixed path.
export const FIXTURE_DIR = fileURLToPath(new URL('../../../../shared/fixtures/errors/', import.meta.url));

export interface Capture {
  name: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

export function loadCaptures(): Capture[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((name) => loadCapture(name));
}

export function loadCapture(name: string): Capture {
  const json = JSON.parse(readFileSync(join(FIXTURE_DIR, name), 'utf8')) as {
    method: string;
    url: string;
    headers: Record<string, string>;
    body_base64: string;
  };
  return {
    name: name.replace(/\.json$/, ''),
    method: json.method,
    url: json.url,
    headers: json.headers,
    body: Buffer.from(json.body_base64, 'base64'),
  };
}
