// What test/fixtures/db-7969986/ holds: written by the store of commit 7969986 (before migration
// 6, series expiry and the stripe rows), see that folder's README. Shared by the generator and
// test/store-old-database.test.ts, so the expected data is the data written.

export interface OldSample {
  labels: [string, string][];
  t: number;
  v: number;
  ttlMs?: number;
  stale?: boolean;
}

export const OLD_T0 = 1_764_000_000_000;
/** The generator's clock, and the test's. */
export const OLD_NOW = OLD_T0 + 3 * 3_600_000;
const DAY = 86_400_000;

/** `checkpointed`: appended, then checkpointed (SQLite); `logged`: appended after the checkpoint,
 * only in the write-ahead log (the process then exits without closing); `remoteWrite`: series sent
 * as one remote_write body after that, also only in the log. `ancient` is rolled up by the old
 * retention (raw=15d) before the checkpoint; `gone` is past its TTL at OLD_NOW. */
export function oldDatabaseData() {
  const checkpointed: OldSample[] = [];
  const logged: OldSample[] = [];
  // 1030 small series: ids across two stripes of 1024.
  for (let k = 0; k < 3; k++)
    for (let i = 0; i < 1030; i++)
      (k < 2 ? checkpointed : logged).push({
        labels: [
          ['__name__', 'small'],
          ['i', String(i)],
          ['job', `j${i % 7}`],
        ],
        t: OLD_T0 + k * 15_000,
        v: i * 10 + k * 0.5,
      });
  // Long series: sealed chunks before the checkpoint; one of non-decimal values.
  for (let k = 0; k < 1000; k++)
    for (let i = 0; i < 3; i++)
      (k < 900 ? checkpointed : logged).push({
        labels: [
          ['__name__', 'long'],
          ['i', String(i)],
        ],
        t: OLD_T0 + k * 5000,
        v: i === 2 ? Math.sin(k) : k * (i + 1),
      });
  // Out-of-order samples, a live TTL series, a staleness marker, label values to escape, NaN/Inf.
  checkpointed.push({
    labels: [
      ['__name__', 'long'],
      ['i', '0'],
    ],
    t: OLD_T0 + 899 * 5000 - 2500,
    v: -1,
  });
  logged.push({
    labels: [
      ['__name__', 'long'],
      ['i', '0'],
    ],
    t: OLD_T0 + 999 * 5000 - 2500,
    v: -2,
  });
  checkpointed.push({
    labels: [
      ['__name__', 'ttl_m'],
      ['a', 'b'],
    ],
    t: OLD_T0,
    v: 1,
    ttlMs: DAY,
  });
  logged.push({
    labels: [
      ['__name__', 'ttl_m'],
      ['a', 'b'],
    ],
    t: OLD_T0 + 60_000,
    v: 2,
    ttlMs: DAY,
  });
  checkpointed.push({
    labels: [
      ['__name__', 'st'],
      ['a', 'é"x,1'],
    ],
    t: OLD_T0,
    v: 5,
  });
  checkpointed.push({
    labels: [
      ['__name__', 'st'],
      ['a', 'é"x,1'],
    ],
    t: OLD_T0 + 15_000,
    v: Number.NaN,
    stale: true,
  });
  logged.push({
    labels: [
      ['__name__', 'inf'],
      ['a', 'b'],
    ],
    t: OLD_T0,
    v: Number.POSITIVE_INFINITY,
  });
  logged.push({
    labels: [
      ['__name__', 'inf'],
      ['a', 'b'],
    ],
    t: OLD_T0 + 1000,
    v: Number.NaN,
  });
  const ancient: OldSample[] = [];
  for (let k = 0; k < 720; k++)
    ancient.push({
      labels: [
        ['__name__', 'ancient'],
        ['k', 'v'],
      ],
      t: OLD_NOW - 16 * DAY + k * 60_000,
      v: k,
    });
  const gone: OldSample = {
    labels: [
      ['__name__', 'gone'],
      ['k', 'v'],
    ],
    t: OLD_NOW - 3_600_000,
    v: 1,
    ttlMs: 60_000,
  };
  const remoteWrite = [0, 1].map((i) => ({
    labels: [
      ['__name__', 'rw'],
      ['i', String(i)],
    ] as [string, string][],
    timestamps: [OLD_T0, OLD_T0 + 15_000],
    values: [i, i + 0.25],
  }));
  return { checkpointed, logged, ancient, gone, remoteWrite };
}
