// UDP listener for StatsD / DogStatsD datagrams. Parsing is per datagram (several metrics per
// packet); values are aggregated in memory and written to the store on every flush interval.
import { createSocket, type Socket } from 'node:dgram';
import { parseStatsdDatagram } from '../ingest/statsd.js';
import { familiesOfSeries } from '../store/metric-types.js';
import type { MetricsStore } from '../store/metrics-store.js';
import { StatsdAggregator } from './statsd-aggregator.js';

export interface StatsdServerOptions {
  host: string;
  port: number;
  store: MetricsStore;
  clock: () => number;
  flushIntervalMs?: number;
  /** A series not updated for this long gets a staleness marker and is no longer written (0: never;
   * default DEFAULT_STATSD_IDLE_TTL_MS). */
  idleTtlMs?: number;
  /** Told about a timed flush whose write failed (the log could not be synced, for instance). */
  onFlushError?: (err: Error) => void;
}

export class StatsdServer {
  readonly aggregator: StatsdAggregator;
  private socket: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  datagrams = 0;
  badLines = 0;
  /** Timed flushes whose write failed. */
  flushFailures = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly options: StatsdServerOptions) {
    const { store } = options;
    this.aggregator = new StatsdAggregator(options.idleTtlMs, {
      ownersOf: (series) => familiesOfSeries(store, series),
      claimed: (family, type) => {
        if (store.metadata.get(family)?.type !== type)
          store.setMetadata(family, { type, help: '', unit: '' });
      },
    });
  }

  async start(): Promise<{ address: string; port: number }> {
    const socket = createSocket(this.options.host.includes(':') ? 'udp6' : 'udp4');
    this.socket = socket;
    socket.on('message', (msg) => this.receive(msg));
    socket.on('error', () => {}); // a bad datagram must never stop the listener
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.options.port, this.options.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const interval = this.options.flushIntervalMs ?? 10_000;
    // A failed write must not end the process (an unhandled rejection would): counters, gauges and
    // histograms are cumulative, so the next flush writes them again; only that interval's set
    // counts are lost.
    this.timer = setInterval(() => {
      this.flush().catch((err: Error) => {
        this.flushFailures++;
        this.options.onFlushError?.(err);
      });
    }, interval);
    this.timer.unref();
    return socket.address();
  }

  receive(msg: Buffer): void {
    const parsed = parseStatsdDatagram(msg.toString('utf8'));
    this.datagrams++;
    this.badLines += parsed.errors.length;
    this.aggregator.add(parsed.metrics, this.options.clock());
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves once `n` datagrams have arrived in total (tests wait on this, not on a sleep). */
  async waitForDatagrams(n: number): Promise<void> {
    while (this.datagrams < n) await new Promise<void>((r) => this.waiters.push(r));
  }

  async flush(): Promise<void> {
    const samples = this.aggregator.flush(this.options.clock());
    if (samples.length) await this.options.store.appendSamples(samples);
    this.aggregator.flushWritten();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush().catch(() => {});
    await new Promise<void>((r) => (this.socket ? this.socket.close(() => r()) : r()));
  }
}
