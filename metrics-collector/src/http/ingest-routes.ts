// Ingest endpoints: remote_write 1.0, the JSON push batch, and the scrape-target health list.
// Status codes follow the remote_write spec: 204 on success; 400 for data that can never succeed
// and 413 for a body over a size limit (senders do not retry 4xx); 503 + Retry-After only when a
// retry can help (the log could not be synced); 415 for a remote_write 2.0 body until 2.0 is
// supported.
import {
  AppError,
  BadRequest,
  ParseError,
  TooLarge,
  Unavailable,
  UnsupportedMediaType,
} from '@flowrent/shared/errors';
import { parseJson } from '@flowrent/shared/http/body';
import type { Registry } from '@flowrent/shared/metrics';
import type { FastifyInstance } from 'fastify';
import { PushError, parsePushBatch } from '../ingest/push-json.js';
import { ProtobufError } from '../ingest/remote-write.js';
import { snappyDecodedLength } from '../ingest/snappy-block.js';
import type { ScrapeManager } from '../scrape/scrape-manager.js';
import { type AppendResult, type MetricsStore, StoreBackpressureError } from '../store/metrics-store.js';
import { storedTypes } from '../store/metric-types.js';
import { serveRemoteWriteBeforeRouting } from './remote-write-listener.js';

export const MAX_REMOTE_WRITE_BYTES = 32 * 1024 * 1024;
export const MAX_REMOTE_WRITE_DECODED_BYTES = 256 * 1024 * 1024;
export const MAX_PUSH_BYTES = 8 * 1024 * 1024;

export interface IngestRouteDeps {
  store: MetricsStore;
  /** Undoes a snappy block. On the JS thread: snappy's async variant on libuv's pool saved ~25 us
   * of JS-thread time per 14 KB body, but each pool thread's glibc arena kept its decompression
   * buffers resident (+11 MB peak RSS at 10k series, over the budget). */
  uncompressSnappy: (buf: Uint8Array) => Uint8Array;
  /** Accepts the admin key or the ingest key. */
  ingestAuth: (key: string | undefined) => boolean;
  scrapeManager?: ScrapeManager;
  clock: () => number;
  /** Where the remote_write listener counts its requests (the shared app's registry). */
  registry: Registry;
}

function ingestFailure(result: AppendResult): AppError | undefined {
  if (result.errors.length === 0) return undefined;
  const dropped = result.tooOld + result.outOfRange + result.rejectedSeries;
  return new BadRequest(
    `${dropped} samples or series rejected (${result.accepted} accepted): ${result.errors[0]}`,
    {
      accepted: result.accepted,
      too_old: result.tooOld,
      out_of_range: result.outOfRange,
      rejected_series: result.rejectedSeries,
      errors: result.errors,
    },
  );
}

/** 400 naming the pushed metrics refused alone (they contradict the stored series' types), with
 * what the rest of the batch gave, as ingestFailure says it. */
function pushRefusal(refused: PushError[], result: AppendResult): AppError {
  const stored = ingestFailure(result);
  return new BadRequest(
    `${refused.length} metric(s) refused (the rest of the batch: ${result.accepted} samples accepted): ${refused[0].message}`,
    {
      metric: refused[0].metric,
      refused: refused.map((r) => ({ metric: r.metric, reason: r.reason })),
      accepted: result.accepted,
      ...(stored ? { rejected: stored.details } : {}),
    },
  );
}

/** 413 naming the limit when the declared Content-Length is over it, before the body is read
 * (Fastify's own bodyLimit answer does not say which limit). */
function refuseDeclaredOver(limitName: string, limitBytes: number) {
  return async (request: { headers: Record<string, string | string[] | undefined> }) => {
    const declared = Number(request.headers['content-length']);
    if (declared > limitBytes) {
      throw new TooLarge(`body of ${declared} bytes is over ${limitName} = ${limitBytes}`, {
        limit: limitName,
        limit_bytes: limitBytes,
      });
    }
  };
}

async function durably<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (err instanceof AppError || err instanceof ProtobufError) throw err;
    if (err instanceof StoreBackpressureError)
      throw new Unavailable(err.message, err.backpressure.retryAfterSeconds);
    // The log could not be synced: nothing was acknowledged, so the sender should retry.
    throw new Unavailable(`write-ahead log unavailable: ${(err as Error).message}`, 5);
  }
}

/** 503 + Retry-After while the store holds too much that no checkpoint persisted (the sender
 * retries; memory stays bounded). Before anything of the request is applied. */
function refuseWhileBacklogged(store: MetricsStore): void {
  const busy = store.writeBackpressure();
  if (busy) throw new Unavailable(busy.message, busy.retryAfterSeconds);
}

/** POST /api/v1/write once auth and the body are in (see remote-write-listener.ts): 415 for 2.0,
 * 503 while backlogged, 400/413 for a body that can never succeed, resolves once durable. */
async function acceptRemoteWrite(
  deps: Pick<IngestRouteDeps, 'store' | 'uncompressSnappy'>,
  contentType: string,
  body: Buffer,
): Promise<void> {
  if (contentType.includes('io.prometheus.write.v2')) {
    throw new UnsupportedMediaType('remote_write 2.0 is not supported yet; send remote_write 1.0', {
      accepted: 'application/x-protobuf;proto=prometheus.WriteRequest',
    });
  }
  refuseWhileBacklogged(deps.store);
  const declared = snappyDecodedLength(body);
  if (declared < 0) throw new ParseError('body is not snappy block data: malformed length preamble');
  if (declared > MAX_REMOTE_WRITE_DECODED_BYTES) {
    throw new TooLarge(
      `decoded WriteRequest too large: ${declared} bytes (limit ${MAX_REMOTE_WRITE_DECODED_BYTES})`,
      { limit: 'MAX_REMOTE_WRITE_DECODED_BYTES', limit_bytes: MAX_REMOTE_WRITE_DECODED_BYTES },
    );
  }
  let raw: Uint8Array;
  try {
    raw = deps.uncompressSnappy(body);
  } catch (err) {
    throw new ParseError(`body is not snappy block data: ${(err as Error).message}`);
  }
  let result: AppendResult;
  try {
    result = await durably(deps.store.appendRemoteWrite(body, raw));
  } catch (err) {
    if (err instanceof ProtobufError) throw new ParseError(`malformed WriteRequest: ${err.message}`);
    throw err;
  }
  const failure = ingestFailure(result);
  if (failure) throw failure;
}

export function registerIngestRoutes(app: FastifyInstance, deps: IngestRouteDeps): void {
  const auth = (key: string | undefined) => deps.ingestAuth(key);

  const remoteWrite = serveRemoteWriteBeforeRouting({
    server: app.server,
    registry: deps.registry,
    log: app.log,
    auth,
    maxBodyBytes: MAX_REMOTE_WRITE_BYTES,
    accept: (contentType, body) => acceptRemoteWrite(deps, contentType, body),
  });
  app.addHook('preClose', async () => remoteWrite.close());

  app.post(
    '/api/metrics',
    {
      config: { auth, ingest: { maxBodyBytes: MAX_PUSH_BYTES, maxDecodedBytes: MAX_PUSH_BYTES * 4 } },
      onRequest: refuseDeclaredOver('MAX_PUSH_BYTES', MAX_PUSH_BYTES),
    },
    async (request, reply) => {
      refuseWhileBacklogged(deps.store);
      const body = parseJson((request.body as Buffer).toString('utf8'));
      let batch: ReturnType<typeof parsePushBatch>;
      try {
        batch = parsePushBatch(body, deps.clock(), storedTypes(deps.store));
      } catch (err) {
        if (err instanceof PushError) throw new BadRequest(err.message, { metric: err.metric });
        throw err;
      }
      for (const m of batch.metadata)
        deps.store.setMetadata(m.name, { type: m.type, help: m.help, unit: '' });
      const result = await durably(
        deps.store.appendSamples(
          batch.samples.map((s) => ({
            labels: s.labels,
            t: s.timestampMs,
            v: s.value,
            ttlMs: s.ttlSeconds === undefined ? undefined : s.ttlSeconds * 1000,
            exemplar: s.exemplar,
          })),
        ),
      );
      if (batch.refused.length > 0) throw pushRefusal(batch.refused, result);
      const failure = ingestFailure(result);
      if (failure) throw failure;
      reply.status(204).send();
    },
  );

  app.get('/api/targets', async () => ({ data: deps.scrapeManager?.targets() ?? [] }));
  // No automatic HEAD route: 2.42 answers HEAD with 405 (api-routes.ts registers it).
  app.get('/api/v1/targets', { exposeHeadRoute: false }, async (request) => {
    // As Prometheus' r.URL.Query().Get: the first of repeated parameters.
    const query = request.query as Record<string, string | string[] | undefined>;
    const first = (name: string) => [query[name] ?? ''].flat()[0] ?? '';
    const filter = { state: first('state'), scrapePool: first('scrapePool') };
    return {
      status: 'success',
      data: deps.scrapeManager?.prometheusTargets(filter) ?? { activeTargets: [], droppedTargets: [] },
    };
  });
}
