// Test helper: the event payloads inside the captured SDK requests in ../shared/fixtures/errors/
// (decoded the way the fixtures README describes: base64, gunzip when gzip, envelope items).
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { JsonObject } from '../event-view.js';

export const FIXTURES_DIR = new URL('../../../../../shared/fixtures/errors/', import.meta.url);

interface Capture {
  url: string;
  headers: Record<string, string>;
  body_base64: string;
}

function eventOf(capture: Capture): JsonObject | null {
  let body = Buffer.from(capture.body_base64, 'base64');
  if (capture.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
  const text = body.toString('utf8');
  if (capture.url.includes('/store/')) return JSON.parse(text) as JsonObject;
  const lines = text.split('\n');
  for (let i = 1; i < lines.length - 1; i++) {
    const header = lines[i].startsWith('{') ? (JSON.parse(lines[i]) as { type?: unknown }) : null;
    if (header?.type === 'event') return JSON.parse(lines[i + 1]) as JsonObject;
  }
  return null;
}

/** File name (without `.json`) → event payload, for every capture that holds an event. */
export function loadFixtureEvents(): Map<string, JsonObject> {
  const out = new Map<string, JsonObject>();
  for (const name of readdirSync(FIXTURES_DIR).sort()) {
    const capture = JSON.parse(readFileSync(new URL(name, FIXTURES_DIR), 'utf8')) as Capture;
    const event = eventOf(capture);
    if (event) out.set(name.replace(/\.json$/, ''), event);
  }
  return out;
}
