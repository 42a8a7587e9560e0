// Encodes generated lines as an OTLP ExportLogsServiceRequest (protobuf), one ResourceLogs per
// service, the way an OpenTelemetry SDK or Collector would send them.
const enc = new TextEncoder();

class W {
  parts: Uint8Array[] = [];
  len = 0;
  push(b: Uint8Array) {
    this.parts.push(b);
    this.len += b.length;
  }
  varint(v: number) {
    const out: number[] = [];
    while (v >= 0x80) {
      out.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(v);
    this.push(Uint8Array.from(out));
  }
  tag(f: number, w: number) {
    this.varint(f * 8 + w);
  }
  bytes(f: number, b: Uint8Array) {
    this.tag(f, 2);
    this.varint(b.length);
    this.push(b);
  }
  string(f: number, s: string) {
    this.bytes(f, enc.encode(s));
  }
  msg(f: number, w: W) {
    this.bytes(f, w.finish());
  }
  fixed64(f: number, v: bigint) {
    this.tag(f, 1);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v, true);
    this.push(b);
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.len);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

function kv(key: string, value: string | number): W {
  const v = new W();
  if (typeof value === 'number') {
    v.tag(3, 0);
    v.varint(value);
  } else v.string(1, value);
  const w = new W();
  w.string(1, key);
  w.msg(2, v);
  return w;
}

const SEVERITY: Record<string, number> = { debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };

export function encodeOtlp(records: Record<string, unknown>[]): Uint8Array {
  const byService = new Map<string, Record<string, unknown>[]>();
  for (const r of records) {
    const s = String(r.service);
    const list = byService.get(s) ?? [];
    list.push(r);
    byService.set(s, list);
  }
  const req = new W();
  for (const [service, list] of byService) {
    const resource = new W();
    resource.msg(1, kv('service.name', service));
    const scope = new W();
    const sc = new W();
    sc.string(1, 'bench');
    scope.msg(1, sc);
    for (const r of list) {
      const lr = new W();
      lr.fixed64(1, BigInt(Date.parse(String(r.ts))) * 1_000_000n);
      lr.tag(2, 0);
      lr.varint(SEVERITY[String(r.level)] ?? 9);
      lr.string(3, String(r.level).toUpperCase());
      const body = new W();
      body.string(1, String(r.msg));
      lr.msg(5, body);
      lr.msg(6, kv('user', String(r.user)));
      lr.msg(6, kv('method', String(r.method)));
      lr.msg(6, kv('path', String(r.path)));
      lr.msg(6, kv('status', Number(r.status)));
      lr.msg(6, kv('ms', Number(r.ms)));
      if (r.exception) lr.msg(6, kv('exception', String(r.exception)));
      lr.bytes(9, Buffer.from(String(r.trace_id), 'hex'));
      scope.msg(2, lr);
    }
    const rl = new W();
    rl.msg(1, resource);
    rl.msg(2, scope);
    req.msg(1, rl);
  }
  return req.finish();
}
