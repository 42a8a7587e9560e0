// `npm start` end to end: the three compiled services come up, answer /healthz, print their keys,
// stop on Ctrl-C, reuse their data on a second start, and a taken port is reported.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePorts, makeTempDir } from '../src/testing.js';

const script = new URL('../../scripts/start-stack.mjs', import.meta.url).pathname;

function startStack(
  ports: number[],
  dataDir: string,
  env: Record<string, string> = {},
): { child: ChildProcess; output: () => string; up: Promise<void> } {
  const child = spawn(process.execPath, [script], {
    env: {
      ...process.env,
      STACK_PORTS: ports.join(','),
      STACK_DATA_DIR: dataDir,
      STATSD_PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const up = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk;
      if (out.includes('FlowRent Monitoring is up') && /Metrics .*API key: \S+/.test(out)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c) => {
      out += c;
    });
    child.on('exit', (code) => reject(new Error(`stack exited with ${code}:\n${out}`)));
  });
  return { child, output: () => out, up };
}

function printedKeys(output: string): string[] {
  return [...output.matchAll(/API key: (\S+)/g)].map((m) => m[1]);
}

test('npm start brings up the three services, prints their keys, stops on SIGINT and reuses data', async () => {
  const ports = await freePorts(3);
  const dataDir = makeTempDir('flowrent-stack-');
  const first = startStack(ports, dataDir);
  await first.up;
  for (const port of ports) assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  const keys = printedKeys(first.output());
  assert.equal(keys.length, 3);
  first.child.kill('SIGINT');
  const [code] = await once(first.child, 'exit');
  assert.equal(code, 0);
  for (const port of ports) await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
  assert.ok(existsSync(join(dataDir, 'errors', 'errors.db')));

  const second = startStack(ports, dataDir);
  await second.up;
  assert.deepEqual(printedKeys(second.output()), keys, 'the second start reuses the keys and data');
  second.child.kill('SIGINT');
  await once(second.child, 'exit');
});

test("npm start generates keys where deploy/secrets.env holds the example's placeholders", async () => {
  const ports = await freePorts(3);
  const run = startStack(ports, makeTempDir('flowrent-stack-'), {
    ERROR_TRACKER_API_KEY: 'change-me-error-tracker',
    LOG_VIEWER_API_KEY: 'change-me-log-viewer',
    METRICS_COLLECTOR_API_KEY: 'change-me-metrics-collector',
  });
  await run.up;
  const keys = printedKeys(run.output());
  assert.equal(keys.length, 3);
  for (const key of keys) assert.doesNotMatch(key, /change-me/);
  assert.match(run.output(), /ERROR_TRACKER_API_KEY is the example's placeholder; using a generated key/);
  const res = await fetch(`http://127.0.0.1:${ports[0]}/api/projects`, {
    headers: { authorization: `Bearer ${keys[0]}` },
  });
  assert.equal(res.status, 200);
  run.child.kill('SIGINT');
  await once(run.child, 'exit');
});

test('npm start names a taken port and exits non-zero', async () => {
  const ports = await freePorts(3);
  const blocker = createServer().listen(ports[1], '127.0.0.1');
  await once(blocker, 'listening');
  const run = startStack(ports, makeTempDir('flowrent-stack-'));
  await assert.rejects(run.up, /exited with 1/);
  blocker.close();
  assert.match(run.output(), new RegExp(`port ${ports[1]} \\(log-viewer\\) is already in use`));
});

test('npm start names a taken StatsD port (STATSD_PORT is honoured) and exits non-zero', async () => {
  const blocker = createSocket('udp4').bind(0, '127.0.0.1');
  await once(blocker, 'listening');
  const statsdPort = blocker.address().port;
  const run = startStack(await freePorts(3), makeTempDir('flowrent-stack-'), {
    STATSD_PORT: String(statsdPort),
  });
  await assert.rejects(run.up, /exited with 1/);
  blocker.close();
  assert.match(run.output(), new RegExp(`UDP port ${statsdPort} .*StatsD.* is already in use`));
});

test('npm start refuses a STATSD_PORT that is not a port, naming it', async () => {
  for (const value of ['abc', '70000', '-1']) {
    const run = startStack(await freePorts(3), makeTempDir('flowrent-stack-'), { STATSD_PORT: value });
    await assert.rejects(run.up, /exited with 1/);
    assert.match(run.output(), new RegExp(`STATSD_PORT="${value}" is not a UDP port`));
  }
});

test('npm start checks the StatsD port on an IPv6 HOST with a udp6 socket (a free port is not "in use")', async () => {
  const probe = createSocket('udp6').bind(0, '::1');
  await once(probe, 'listening');
  const statsdPort = probe.address().port;
  await new Promise<void>((resolve) => probe.close(resolve));
  // DATA_DIR under a file: the services stop at once after the port checks, before listening.
  const dataDir = join(makeTempDir('flowrent-stack-'), 'file');
  writeFileSync(dataDir, '');
  const run = startStack(await freePorts(3), dataDir, { HOST: '::1', STATSD_PORT: String(statsdPort) });
  await assert.rejects(run.up, /exited with 1/);
  assert.doesNotMatch(run.output(), /UDP port/);
  assert.match(run.output(), /exited \(1\); stopping the stack/);
});
