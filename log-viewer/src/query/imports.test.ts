import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

// query/ stays pure (STYLE.md): it may import itself, the record model, the shared error types and
// RE2 translation, and the store's interface as types only; never HTTP, SQL, the file system or
// the store's code.
const ALLOWED = [
  /^\.\/[a-z-]+\.js$/,
  /^\.\.\/model\.js$/,
  /^@flowrent\/shared\/(errors|re2)$/,
  /^node:(assert\/strict|test|fs)$/,
];
const TYPE_ONLY = [/^\.\.\/store\/log-store\.js$/];

describe('query/ imports', () => {
  const dir = new URL('./', import.meta.url);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    it(`${file} imports only pure modules`, () => {
      const source = readFileSync(new URL(file, dir), 'utf8');
      for (const m of source.matchAll(/^import\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)) {
        const [, typeOnly, spec] = m;
        const ok =
          ALLOWED.some((re) => re.test(spec)) ||
          (typeOnly !== undefined && TYPE_ONLY.some((re) => re.test(spec)));
        assert.ok(ok, `${file} imports ${spec}${typeOnly ? ' (types)' : ''}`);
      }
    });
  }
});
