// Seq takes its API key as `?apiKey=` in the URL (Serilog.Sinks.Seq, seq docs), so the log viewer
// does too; the key must then never show in what the server writes: its request and error logs
// (the real binary at LOG_LEVEL=debug, which logs every request's URL) and its answers (a 404
// repeats the URL it did not find).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePorts, makeTempDir } from '@flowrent/shared/testing';

const root = new URL('../../', import.meta.url).pathname;
const API_KEY = 'seq-admin-key-0123456789abcdef';
const INGEST_KEY = 'seq-url-ingest-key-S3CR3T-4f2a9c';
const TS = new Date().toISOString();

let child: ChildProcess;
let base: string;
let output = '';

before(async () => {
  const [port] = await freePorts(1);
  base = `http://127.0.0.1:${port}`;
  child = spawn(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', join(root, 'log-viewer', 'src', 'main.ts')],
    {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: makeTempDir('lv-seq-key-'),
        API_KEY,
        INGEST_API_KEY: INGEST_KEY,
        LOG_LEVEL: 'debug',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // a runner that kills this file on a timeout must not leave the server behind
  process.once('exit', () => child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk;
      if (output.includes('Server listening at')) resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.once('exit', (code) => reject(new Error(`log-viewer exited with ${code}:\n${output}`)));
  });
});
after(async () => {
  child.kill('SIGTERM');
  if (child.exitCode === null) await once(child, 'exit');
});

async function post(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.serilog.clef', ...headers },
    body: `${JSON.stringify({ '@t': TS, '@mt': 'url key {N}', N: 1 })}\n`,
  });
  return { status: res.status, text: await res.text() };
}

/** Resolves once the server has logged a line holding `marker` (the response's debug line). */
async function logged(marker: string): Promise<void> {
  while (!output.includes(marker)) await once(child.stdout!, 'data');
}

test('?apiKey= authenticates Seq routes (any case, percent-encoded) and never reaches the logs or an answer', {
  timeout: 60_000,
}, async () => {
  const encoded = encodeURIComponent(INGEST_KEY);
  const answers = [
    await post(`/ingest/clef?apiKey=${encoded}`),
    await post(`/api/events/raw?clef&APIKEY=${encoded}`),
    await post(`/ingest/clef?apiKey=${encoded}x`), // a wrong key: 401
    await post(`/ingest/clef/nope?apiKey=${encoded}`, { authorization: `Bearer ${API_KEY}` }), // 404 repeats the URL
    await post('/ingest/clef?apiKey=%E0%A4%A&last=1'), // malformed percent-encoding
  ];
  assert.deepEqual(
    answers.map((a) => a.status),
    [201, 201, 401, 404, 401],
    JSON.stringify(answers),
  );
  assert.match(answers[3].text, /no route for POST \/ingest\/clef\/nope\?apiKey=\(hidden\)/);
  for (const a of answers) assert.ok(!a.text.includes(INGEST_KEY), a.text);
  // the last request's debug line is written once it is answered
  await logged('last=1');
  assert.match(output, /"url":"\/ingest\/clef\?apiKey=\(hidden\)"/);
  assert.ok(!output.includes(INGEST_KEY), 'the key is not in the server output');
  assert.ok(!output.includes(encoded), 'nor its encoded form');
});
