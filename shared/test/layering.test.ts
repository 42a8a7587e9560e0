// Keeps dependencies pointing one way (STYLE.md): parsers in ingest/ and query/ never reach for
// HTTP or storage, and nothing outside store/ talks SQL.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const services = ['error-tracker', 'log-viewer', 'metrics-collector'];

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*import\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)]
    .filter((m) => !m[1]) // type-only imports carry no runtime dependency
    .map((m) => m[2]);
}

const PURE_FORBIDDEN = [
  /^fastify/,
  /^better-sqlite3/,
  /\/store\//,
  /\/http\//,
  /^@flowrent\/shared\/(db|http|cli)/,
  /^node:(fs|net|http)/,
];

for (const svc of services) {
  test(`${svc}: ingest/ and query/ are pure (no HTTP, storage or I/O imports)`, () => {
    for (const layer of ['ingest', 'query']) {
      for (const file of sourceFiles(join(root, svc, 'src', layer))) {
        for (const spec of imports(file)) {
          const bad = PURE_FORBIDDEN.find((re) => re.test(spec));
          assert.ok(!bad, `${relative(root, file)} imports ${spec}`);
        }
      }
    }
  });

  test(`${svc}: only store/ imports better-sqlite3 or runs SQL`, () => {
    for (const file of sourceFiles(join(root, svc, 'src'))) {
      if (relative(join(root, svc, 'src'), file).startsWith('store/')) continue;
      for (const spec of imports(file))
        assert.notEqual(spec, 'better-sqlite3', `${relative(root, file)} imports better-sqlite3`);
      const text = readFileSync(file, 'utf8');
      assert.doesNotMatch(text, /\bdb\.(prepare|exec)\(/, `${relative(root, file)} runs SQL outside store/`);
    }
  });
}
