// Writing a file so that it survives a crash before returning: the quarantine needs it, because the
// seal mark moves past quarantined rows right after the write and the inbox then lets them go.
import { closeSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes (flags 'w') or appends ('a') data to dir/file and makes it durable before returning: the
 * file's data, its name (the folder synced, as the inbox does for a new segment) and, when folders
 * had to be made, their names up to the parent of the first one made. The seal mark moves past
 * quarantined rows after this: a name lost in a crash would lose the rows.
 */
export function writeDurably(dir: string, file: string, data: string | Uint8Array, flags: 'w' | 'a'): void {
  const made = mkdirSync(dir, { recursive: true });
  const fd = openSync(file, flags);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  let d = dir;
  syncFolder(d);
  if (made === undefined) return;
  const top = dirname(made);
  while (d !== top && d !== dirname(d)) {
    d = dirname(d);
    syncFolder(d);
  }
}

/** fsync of a folder, so that the names of files just created in it survive a crash. */
export function syncFolder(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
