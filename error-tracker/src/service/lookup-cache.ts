// Store lookups the accept path repeats on every request (a project and its quotas, whether a DSN
// key is active), kept for a short time: a SELECT per request cost ~10 us. Changes made through
// the API call forget() so they apply at once; anything else applies within `ttlMs`.

/** Entries at most; past it the cache starts over instead of tracking recency. */
const MAX_ENTRIES = 10_000;

export class LookupCache<K, V> {
  private readonly entries = new Map<K, { value: V; atMs: number }>();

  constructor(private readonly ttlMs: number) {}

  /** The value remembered for `key` less than ttlMs before `nowMs`, else undefined. */
  get(key: K, nowMs: number): V | undefined {
    const cached = this.entries.get(key);
    // a clock that went back also misses
    if (cached && nowMs - cached.atMs < this.ttlMs && nowMs >= cached.atMs) return cached.value;
    return undefined;
  }

  set(key: K, value: V, nowMs: number): void {
    if (this.entries.size > MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { value, atMs: nowMs });
  }

  forget(): void {
    this.entries.clear();
  }
}
