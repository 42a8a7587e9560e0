// One ingest worker's work in one thread, rounds interleaved over builds (checkouts with dist/, as for
// bench/ab-http.mjs): each body parsed into a reused column table, summarized and appended to the open
// rows (parse), then every whole 8192-row block encoded and dropped (encode), as seal-worker.ts does.
// Prints CPU-µs per line per phase and round, medians of the rounds after the first, stored bytes per
// raw byte, and a sha256 of the first round's blocks and filters (equal = byte-identical output):
//   node bench/ab-encode.mjs FRAMES ndjson|otlp ROUNDS DIR_A DIR_B [...]
// FRAMES: [u32 length][body] frames (bench/write-frames.ts, or the bench's BENCH_INPUT_DIR files cut short).
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
const [file, kind = 'ndjson', roundsArg = '3', ...dirs] = process.argv.slice(2);
const builds = [];
for (const dir of dirs) {
  builds.push({
    name: dir.split('/').pop(),
    ...(await import(`${dir}/log-viewer/dist/store/block-codec.js`)),
    ...(await import(`${dir}/log-viewer/dist/store/body-rows.js`)),
    ...(await import(`${dir}/log-viewer/dist/store/row-columns.js`)),
  });
}
const buf = readFileSync(file);
const bodies = [];
for (let o = 0; o < buf.length; ) {
  const n = buf.readUInt32LE(o);
  bodies.push(buf.subarray(o + 4, o + 4 + n));
  o += 4 + n;
}
const LINES = bodies.length * 5000;
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const k = kind === 'otlp' ? 'otlp-protobuf' : 'ndjson';
const res = new Map();
for (let r = 0; r < Number(roundsArg); r++)
  for (const B of builds) {
    const open = new B.RowColumns(8192);
    const table = new B.RowColumns(8192);
    let p = 0,
      e = 0,
      bytes = 0,
      raw = 0,
      seq = 1;
    const hash = createHash('sha256');
    for (const body of bodies) {
      let t = cpu();
      const parsed = B.parseBodyColumns(k, new Uint8Array(body), 1_795_635_900_000_000_000n, 0, table);
      B.summarizeColumns(parsed.rows);
      open.append(parsed.rows, seq);
      seq += parsed.rows.count;
      parsed.rows.clear();
      p += cpu() - t;
      t = cpu();
      while (open.count >= 8192) {
        const enc = B.encodeColumns(open, 0, 8192);
        bytes += enc.data.length + enc.bloom.length;
        raw += enc.rawBytes;
        if (r === 0) {
          hash.update(enc.data);
          hash.update(enc.bloom);
        }
        open.dropPrefix(8192);
      }
      e += cpu() - t;
    }
    const us = (x) => ((x * 1000) / LINES).toFixed(3);
    console.log(
      `${B.name.padEnd(6)} ${kind} parse ${us(p)} encode ${us(e)} total ${us(p + e)} stored/raw ${(bytes / raw).toFixed(4)}${r === 0 ? ' sha ' + hash.digest('hex').slice(0, 12) : ''}`,
    );
    if (r > 0) {
      const a = res.get(B.name) ?? [];
      a.push([p, e]);
      res.set(B.name, a);
    }
  }
const med = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
};
for (const [name, a] of res)
  console.log(
    `median (rounds 2..) ${name}: parse ${((med(a.map((x) => x[0])) * 1000) / LINES).toFixed(3)} encode ${((med(a.map((x) => x[1])) * 1000) / LINES).toFixed(3)} total ${((med(a.map((x) => x[0] + x[1])) * 1000) / LINES).toFixed(3)}`,
  );
