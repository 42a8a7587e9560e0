#!/usr/bin/env node
// `npm start`: runs the three services from their compiled dist/ as separate processes on
// 5010/5011/5012 with SQLite under ./data/, waits until each is ready, prints URLs, keys and the
// default DSN, and stops all three cleanly on Ctrl-C.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { serviceAllocatorEnv, serviceNodeFlags } from './service-node-flags.mjs';

const root = new URL('..', import.meta.url).pathname;
const host = process.env.HOST || '127.0.0.1';
// STACK_PORTS and STACK_DATA_DIR exist for the stack's own test, so it never collides with a real stack.
const ports = (process.env.STACK_PORTS || '5010,5011,5012').split(',').map(Number);
const dataRoot = process.env.STACK_DATA_DIR || join(root, 'data');
const services = [
  { name: 'error-tracker', title: 'Errors', port: ports[0], data: 'errors', keyVar: 'ERROR_TRACKER_API_KEY' },
  { name: 'log-viewer', title: 'Logs', port: ports[1], data: 'logs', keyVar: 'LOG_VIEWER_API_KEY' },
  {
    name: 'metrics-collector',
    title: 'Metrics',
    port: ports[2],
    data: 'metrics',
    keyVar: 'METRICS_COLLECTOR_API_KEY',
  },
];
// StatsD (metrics collector) listens on the same interface as HTTP; STATSD_PORT=0 turns it off.
// Empty means unset, as in the collector's own settings.
const statsdPortText = (process.env.STATSD_PORT || '8125').trim();
const statsdPort = /^\d{1,5}$/.test(statsdPortText) ? Number(statsdPortText) : Number.NaN;
if (!(statsdPort <= 65535)) {
  console.error(
    `npm start: STATSD_PORT=${JSON.stringify(process.env.STATSD_PORT)} is not a UDP port (0-65535; 0 turns StatsD off)`,
  );
  process.exit(1);
}
const READY_TIMEOUT_MS = 60_000;

function readSecretsFile() {
  const file = join(root, 'deploy', 'secrets.env');
  if (!existsSync(file)) return {};
  const out = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && !line.trimStart().startsWith('#')) out[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function udpPortIsFree(port) {
  return new Promise((resolve) => {
    // The collector's choice: an IPv6 HOST (::1, ::) needs a udp6 socket; udp4 refuses it (EINVAL).
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, host, () => socket.close(() => resolve(true)));
  });
}

const secrets = { ...readSecretsFile(), ...process.env };
// A secrets.env copied from the example and not edited holds placeholders, which the services refuse
// as keys (shared/src/config.ts): npm start generates keys for those instead, as when they are unset.
for (const s of services) {
  if (/^change-me(-|$)/i.test((secrets[s.keyVar] ?? '').trim())) {
    console.log(`npm start: ${s.keyVar} is the example's placeholder; using a generated key instead`);
    delete secrets[s.keyVar];
  }
}
for (const s of services) {
  if (!(await portIsFree(s.port))) {
    console.error(
      `npm start: port ${s.port} (${s.name}) is already in use; stop whatever holds it and try again`,
    );
    process.exit(1);
  }
}
if (statsdPort !== 0 && !(await udpPortIsFree(statsdPort))) {
  console.error(
    `npm start: UDP port ${statsdPort} (the metrics collector's StatsD) is already in use, perhaps by a ` +
      'StatsD or Datadog agent; set STATSD_PORT to another port, or STATSD_PORT=0 to turn StatsD off',
  );
  process.exit(1);
}

const urls = Object.fromEntries(services.map((s) => [s.name, `http://localhost:${s.port}`]));
const errorTrackerPort = services[0].port;
const children = services.map((s) => {
  const child = spawn(
    process.execPath,
    [...serviceNodeFlags(root, s.name), join(root, s.name, 'dist', 'main.js')],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        // the allocator settings of the service's image, unless the caller set them
        ...serviceAllocatorEnv(root, s.name),
        ...process.env,
        PORT: String(s.port),
        HOST: host,
        DATA_DIR: join(dataRoot, s.data),
        API_KEY: secrets[s.keyVar] ?? '',
        DEV_MODE: 'true',
        STATSD_HOST: host,
        STATSD_PORT: String(statsdPort),
        LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
        ERROR_TRACKER_URL: urls['error-tracker'],
        LOG_VIEWER_URL: urls['log-viewer'],
        METRICS_COLLECTOR_URL: urls['metrics-collector'],
      },
    },
  );
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`npm start: ${s.name} exited (${signal ?? code}); stopping the stack`);
      stop(1);
    }
  });
  return child;
});

let stopping = false;
function stop(exitCode) {
  if (stopping) return;
  stopping = true;
  const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
  if (alive.length === 0) process.exit(exitCode);
  let left = alive.length;
  for (const c of alive) {
    c.once('exit', () => {
      if (--left === 0) process.exit(exitCode);
    });
    c.kill('SIGTERM');
  }
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

async function waitReady(s) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && !stopping) {
    try {
      if ((await fetch(`http://127.0.0.1:${s.port}/readyz`)).status === 200) return true;
    } catch {
      // still starting
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

const ready = await Promise.all(services.map(waitReady));
if (stopping) await new Promise(() => {});
const notReady = services.filter((_, i) => !ready[i]);
if (notReady.length > 0) {
  console.error(
    `npm start: not ready after ${READY_TIMEOUT_MS / 1000}s: ${notReady.map((s) => s.name).join(', ')}`,
  );
  stop(1);
} else {
  const keyOf = (s) => secrets[s.keyVar] || readFileSync(join(dataRoot, s.data, 'api-key'), 'utf8').trim();
  console.log('\nFlowRent Monitoring is up (Ctrl-C stops it):\n');
  for (const s of services)
    console.log(`  ${s.title.padEnd(8)} ${urls[s.name].padEnd(24)} API key: ${keyOf(s)}`);
  const dsn = await defaultDsn(keyOf(services[0]));
  if (dsn) console.log(`\n  Sentry DSN of the default project: ${dsn}`);
  console.log(`\n  Data: ${dataRoot}/{errors,logs,metrics}\n`);
}

async function defaultDsn(key) {
  try {
    const res = await fetch(`http://127.0.0.1:${errorTrackerPort}/api/projects`, {
      headers: { authorization: `Bearer ${key}` },
    });
    if (!res.ok) return undefined;
    const body = await res.json();
    const projects = Array.isArray(body) ? body : (body.data ?? body.projects ?? []);
    return projects[0]?.dsn ?? projects[0]?.keys?.[0]?.dsn;
  } catch {
    return undefined;
  }
}
