#!/usr/bin/env node
// Runs every test of the monorepo: the TypeScript suites through node's test runner (tsx loads
// the sources, the "development" export condition points workspace imports at src/), then the
// Python client's pytest suite. Ends with one combined "N passed, N failed" line.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const packages = ['shared', 'error-tracker', 'log-viewer', 'metrics-collector'];
const only = process.argv.slice(2);

function findTests(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const files = packages
  .flatMap((pkg) => [...findTests(join(root, pkg, 'src')), ...findTests(join(root, pkg, 'test'))])
  .map((f) => relative(root, f))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)));

if (only.length > 0 && files.length === 0 && !only.some((o) => o.startsWith('clients'))) {
  console.error(`no test file under ${packages.join(', ')} starts with ${only.join(' or ')}`);
  process.exit(1);
}

let current;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    current?.kill(signal);
    process.exit(1);
  });
}

/** Runs a command, streaming its output through while keeping a copy to read the summary from. */
function run(command, args, options) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'inherit'] });
    current = child;
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      process.stdout.write(chunk);
    });
    child.on('error', (err) => resolve({ status: 1, stdout: `${stdout}\n${err.message}\n` }));
    child.on('close', (status) => resolve({ status, stdout }));
  });
}

let passed = 0;
let failed = 0;
let skipped = 0;

if (files.length > 0) {
  const node = await run(
    process.execPath,
    [
      '--conditions=development',
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=2',
      // A test that hangs fails after 5 minutes. No --test-force-exit: under Node 20 it ends a file
      // while tests it has registered are still to run (parse-query.test.ts ran 147-163 of its 163).
      '--test-timeout=300000',
      '--test-reporter=spec',
      ...files,
    ],
    { cwd: root },
  );
  const count = (label) => Number(node.stdout.match(new RegExp(`^ℹ ${label} (\\d+)`, 'm'))?.[1] ?? 0);
  passed += count('pass');
  failed += count('fail') + (node.status !== 0 && count('fail') === 0 ? 1 : 0);
  skipped += count('skipped');
}

const pythonTests = join(root, 'clients', 'python', 'tests');
if (existsSync(pythonTests) && (only.length === 0 || only.some((o) => o.startsWith('clients')))) {
  const py = await run('python3', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', pythonTests], {
    cwd: join(root, 'clients', 'python'),
  });
  const summary = py.stdout.trim().split('\n').pop() ?? '';
  const n = (label) => Number(summary.match(new RegExp(`(\\d+) ${label}`))?.[1] ?? 0);
  passed += n('passed');
  failed += n('failed') + n('error');
  skipped += n('skipped');
  if (py.status !== 0 && n('failed') + n('error') === 0) failed += 1;
}

console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
// Under CI a skipped test means a missing install step (a skip only ever stands for a tool that is
// absent), so it fails the run instead of hiding a test that never ran.
const skipsFail = Boolean(process.env.CI) && skipped > 0;
if (skipsFail) console.log('CI: skipped tests count as failures (install what they need in .ci/run)');
process.exit(failed > 0 || passed === 0 || skipsFail ? 1 : 0);
