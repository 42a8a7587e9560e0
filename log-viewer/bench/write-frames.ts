// Writes the bench's generated lines as request bodies of 5 000 lines, framed [u32 length][body], for
// bench/profile-ingest-dist.mjs (which runs without tsx, so it cannot import the generator):
//   PROFILE_LINES=400000 [PROFILE_KIND=otlp-protobuf] node --import tsx bench/write-frames.ts /tmp/frames.bin
import { closeSync, openSync, writeSync } from 'node:fs';
import { createGenerator } from './generate.js';
import { encodeOtlp } from './otlp-encode.js';

const LINES = Number(process.env.PROFILE_LINES ?? 400_000);
const OTLP = process.env.PROFILE_KIND === 'otlp-protobuf';
const fd = openSync(process.argv[2] ?? '/tmp/lv-frames.bin', 'w');
const gen = createGenerator(LINES, Date.now(), 86_400_000, 7);
for (;;) {
  const lines = gen.next(5000);
  if (lines.length === 0) break;
  const body = OTLP
    ? encodeOtlp(lines.map((l) => l.record))
    : Buffer.from(lines.map((l) => l.json).join('\n'));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(body.length);
  writeSync(fd, len);
  writeSync(fd, body);
}
closeSync(fd);
