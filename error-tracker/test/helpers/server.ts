// Starts the real error tracker on 127.0.0.1:0 with a temp-file database, background loops off
// (tests drive grouping with drain()), a settable clock and the default project's key "publickey"
// (the key the fixtures were captured with).
import { request as httpRequest } from 'node:http';
import { startTestApp, type TestApp } from '@flowrent/shared/testing';
import { createApp } from '../../src/app.js';
import { type Config, configTable } from '../../src/config.js';

export interface TrackerTest extends TestApp<Config> {
  clock: { now: number };
  drain(): void;
}

export async function startTracker(env: Record<string, string> = {}): Promise<TrackerTest> {
  const clock = { now: Date.parse('2026-11-25T20:00:00Z') };
  const t = await startTestApp({
    configTable,
    migrationsDir: new URL('../../migrations/', import.meta.url),
    databaseFile: 'errors.db',
    createApp: (deps) => createApp({ ...deps, background: false }),
    env: { DEFAULT_PROJECT_KEY: 'publickey', ...env },
    clock: () => clock.now,
  });
  return Object.assign(t, { clock, drain: () => void t.app.errorTracker.digester.drain() });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => unknown;
}

/** A raw HTTP request (chunked when asked, no implicit Content-Type), as SDK transports send. */
export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string; chunked?: boolean },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const headers: Record<string, string> = { ...options.headers };
    if (body && !options.chunked) headers['content-length'] = String(body.length);
    if (options.chunked) headers['transfer-encoding'] = 'chunked';
    const req = httpRequest(url, { method: options.method ?? 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: text,
          json: () => JSON.parse(text),
        });
      });
    });
    req.on('error', reject);
    if (body && options.chunked) {
      // two chunks, to exercise reassembly
      const half = Math.floor(body.length / 2);
      req.write(body.subarray(0, half));
      req.end(body.subarray(half));
    } else req.end(body);
  });
}

export async function getJson<T = Record<string, unknown>>(t: TrackerTest, path: string): Promise<T> {
  const res = await fetch(`${t.url}${path}`, { headers: t.adminHeaders });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
