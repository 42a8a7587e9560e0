// What the log viewer's in-process benches and the bench server share: the bench's frame files
// (each body prefixed by its uint32 LE length, as bench/run-bench.ts writes them) and a breakdown
// of this process' resident memory from /proc/self/smaps.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

/** The bodies of a frame file, one at a time.
 * @param {string} file
 * @returns {Generator<Buffer>} */
export function* readFrames(file) {
  const fd = openSync(file, 'r');
  const len = Buffer.alloc(4);
  while (readSync(fd, len, 0, 4, null) === 4) {
    const body = Buffer.allocUnsafe(len.readUInt32LE());
    readSync(fd, body, 0, body.length, null);
    yield body;
  }
  closeSync(fd);
}

/**
 * Resident memory of this process in MiB by kind: the main malloc arena ([heap]), the other
 * threads' malloc arenas (anonymous mappings on a 64 MiB boundary) and how many they are
 * (`arenaMaps`), other anonymous memory (V8 pages, malloc's mmapped chunks), files (binaries,
 * SQLite's -shm).
 */
export function smapsBreakdown() {
  const kb = { rss: 0, mainArena: 0, threadArenas: 0, otherAnon: 0, files: 0 };
  let section = '';
  let arenas = 0;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const [, start, name] = head;
      section =
        name === '[heap]'
          ? 'mainArena'
          : name.startsWith('/')
            ? 'files'
            : name === '' && BigInt(`0x${start}`) % 0x4000000n === 0n
              ? 'threadArenas'
              : 'otherAnon';
      if (section === 'threadArenas') arenas++;
    } else if (line.startsWith('Rss:')) {
      const n = Number(line.split(/\s+/)[1]);
      kb[section] += n;
      kb.rss += n;
    }
  }
  return {
    ...Object.fromEntries(Object.entries(kb).map(([k, v]) => [k, Math.round(v / 1024)])),
    arenaMaps: arenas,
  };
}
