// Child process for store-crash.test.ts: opens the store in the given folder, accepts remote_write
// bodies over stdin (one base64 line each) and prints "ok <n>" after each durable append, or
// "refused <n>: <error>" when the append throws (the route's 400 or 503). The parent kills it with
// SIGKILL: no close(), no checkpoint.
import { createInterface } from 'node:readline';
import { openStore } from './store-helpers.js';

const s = openStore(process.argv[2]);
let n = 0;
for await (const line of createInterface({ input: process.stdin })) {
  n++;
  try {
    await s.store.appendRemoteWrite(Buffer.from(line, 'base64'));
    process.stdout.write(`ok ${n}\n`);
  } catch (err) {
    process.stdout.write(`refused ${n}: ${(err as Error).constructor.name}\n`);
  }
}
