// Dependencies point one way (STYLE.md): the pure modules (ingest/, query/, grouping/, alerts/)
// import only node built-ins, types, and each other; store/ never imports http/ or service/.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const SRC = new URL('../src/', import.meta.url).pathname;

function imports(dir: string): { file: string; spec: string; typeOnly: boolean }[] {
  const out: { file: string; spec: string; typeOnly: boolean }[] = [];
  for (const name of readdirSync(join(SRC, dir))) {
    if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue;
    const text = readFileSync(join(SRC, dir, name), 'utf8');
    for (const m of text.matchAll(/^import\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)) {
      out.push({ file: `${dir}/${name}`, spec: m[2], typeOnly: Boolean(m[1]) });
    }
  }
  return out;
}

const PURE = ['ingest', 'query', 'grouping', 'alerts'];

test('pure modules import no HTTP, SQL, shared runtime or service code', () => {
  for (const dir of PURE) {
    for (const { file, spec, typeOnly } of imports(dir)) {
      if (spec.startsWith('node:') || typeOnly) continue;
      const allowed =
        spec.startsWith('./') || spec === '../model.js' || PURE.some((p) => spec.startsWith(`../${p}/`));
      assert.ok(allowed, `${file} imports ${spec}`);
    }
  }
});

test('the store does not reach up into http/ or service/', () => {
  for (const { file, spec } of imports('store')) {
    assert.ok(!/\.\.\/(http|service|ui)\//.test(spec), `${file} imports ${spec}`);
  }
});
