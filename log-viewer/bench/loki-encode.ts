// Loki push protobuf for the bench: a batch of generated lines as a snappy-compressed
// logproto.PushRequest, one stream per service (labels as pino-loki and Promtail send them), the
// line being the JSON object itself.
import { compressSync } from 'snappy';
import type { GeneratedLine } from './generate.js';

function varint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function field(parts: Buffer[], tag: number, bytes: Buffer): number {
  const head: number[] = [tag];
  varint(head, bytes.length);
  parts.push(Buffer.from(head), bytes);
  return head.length + bytes.length;
}

function message(build: (parts: Buffer[]) => void): Buffer {
  const parts: Buffer[] = [];
  build(parts);
  return Buffer.concat(parts);
}

export function encodeLokiPush(lines: GeneratedLine[]): Buffer {
  const byService = new Map<string, GeneratedLine[]>();
  for (const l of lines) {
    const service = String(l.record.service ?? 'unknown');
    let list = byService.get(service);
    if (!list) {
      list = [];
      byService.set(service, list);
    }
    list.push(l);
  }
  const request = message((req) => {
    for (const [service, list] of byService) {
      const stream = message((s) => {
        field(s, 0x0a, Buffer.from(`{env="prod", host="node-1", service_name="${service}"}`));
        for (const l of list) {
          const ts: number[] = [0x08];
          varint(ts, Math.floor(l.timeMs / 1000));
          ts.push(0x10);
          varint(ts, (l.timeMs % 1000) * 1_000_000);
          const entry = message((e) => {
            field(e, 0x0a, Buffer.from(ts));
            field(e, 0x12, Buffer.from(l.json));
          });
          field(s, 0x12, entry);
        }
      });
      field(req, 0x0a, stream);
    }
  });
  return compressSync(request);
}
