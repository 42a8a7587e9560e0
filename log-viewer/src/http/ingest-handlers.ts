// Ingest handlers, one per protocol, all the same shape: hand the store the (already decoded) body
// and its kind (store.ingestBody, which parses it in a worker thread with ingest/body-parsers.ts,
// keeps the body as the durable inbox frame and resolves once durable; a parse error rejects before
// anything is appended) → the protocol's answer.
import { BadRequest, UnsupportedMediaType } from '@flowrent/shared/errors';
import type { Counter } from '@flowrent/shared/metrics';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bulkResponse } from '../ingest/elasticsearch-bulk.js';
import { lokiPushBody } from '../ingest/loki.js';
import { encodeOtlpResponse } from '../ingest/otlp-protobuf.js';
import { clefLines, isClefRequest, seqRawEventsToClef } from '../ingest/seq.js';
import type { LogStore } from '../store/log-store.js';

export interface IngestDeps {
  store: LogStore;
  /** Epoch ms. */
  clock: () => number;
  accepted: Counter;
  rejected: Counter;
}

/** OTLP/HTTP's encodings; any other Content-Type is a 415 as the spec asks (none at all: protobuf). */
const OTLP_TYPES: Record<string, 'otlp-json' | 'otlp-protobuf'> = {
  'application/json': 'otlp-json',
  'application/x-protobuf': 'otlp-protobuf',
  'application/protobuf': 'otlp-protobuf',
  '': 'otlp-protobuf',
};

function otlpKind(contentType: string | undefined): 'otlp-json' | 'otlp-protobuf' {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const kind = OTLP_TYPES[type];
  if (kind) return kind;
  throw new UnsupportedMediaType(
    `Content-Type ${JSON.stringify(type)} is not an OTLP encoding: send application/x-protobuf or application/json`,
    { supported: ['application/x-protobuf', 'application/json'] },
  );
}

const body = (request: FastifyRequest): Buffer =>
  Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
const header = (request: FastifyRequest, name: string): string | undefined => {
  const v = request.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

export function ingestHandlers(deps: IngestDeps) {
  const nowNs = () => BigInt(deps.clock()) * 1_000_000n;
  const count = (protocol: string, accepted: number, rejected = 0) => {
    deps.accepted.inc({ protocol }, accepted);
    if (rejected > 0) deps.rejected.inc({ protocol }, rejected);
  };

  return {
    /** POST /loki/api/v1/push → 204. */
    async lokiPush(request: FastifyRequest, reply: FastifyReply) {
      const push = lokiPushBody(body(request), {
        contentType: header(request, 'content-type'),
        contentEncoding: header(request, 'content-encoding'),
      });
      const result = await deps.store.ingestBody({ ...push, nowNs: nowNs() });
      count('loki', result.accepted, result.rejected);
      // Loki stores the rest of the push and answers 400 naming the entries it ignored
      if (result.rejected > 0)
        throw new BadRequest(result.errors.join(',\n'), {
          accepted: result.accepted,
          rejected: result.rejected,
        });
      reply.status(204).send();
    },

    /** POST /v1/logs → 200 ExportLogsServiceResponse in the request's encoding. */
    async otlpLogs(request: FastifyRequest, reply: FastifyReply) {
      const kind = otlpKind(header(request, 'content-type'));
      const json = kind === 'otlp-json';
      const result = await deps.store.ingestBody({
        kind,
        body: body(request),
        nowNs: nowNs(),
      });
      count('otlp', result.accepted, result.rejected);
      const message = result.errors.join('; ');
      if (json) {
        const partial =
          result.rejected > 0
            ? { partialSuccess: { rejectedLogRecords: String(result.rejected), errorMessage: message } }
            : {};
        reply.status(200).type('application/json').send(partial);
      } else {
        reply.status(200).type('application/x-protobuf').send(encodeOtlpResponse(result.rejected, message));
      }
    },

    /** POST /_bulk → Elasticsearch bulk response with one item per action. */
    async bulk(request: FastifyRequest, reply: FastifyReply) {
      const started = deps.clock();
      const { index } = request.params as { index?: string };
      const result = await deps.store.ingestBody({
        kind: 'elasticsearch-bulk',
        body: body(request),
        nowNs: nowNs(),
        index,
      });
      count('elasticsearch', result.accepted, result.rejected);
      reply.status(200).send(bulkResponse(result.items ?? [], deps.clock() - started, index));
    },

    /** POST /api/logs (NDJSON or a JSON array) → 200 {"accepted": n} (+ rejected, errors: records older than the retention). */
    async apiLogs(request: FastifyRequest, reply: FastifyReply) {
      const result = await deps.store.ingestBody({ kind: 'ndjson', body: body(request), nowNs: nowNs() });
      count('ndjson', result.accepted, result.rejected);
      const { accepted, rejected, errors } = result;
      reply.status(200).send(rejected > 0 ? { accepted, rejected, errors } : { accepted });
    },
    /**
     * POST /ingest/clef, /api/events/raw → 201 {"MinimumLevelAccepted":null} as Seq answers
     * (Serilog.Sinks.Seq reads that field: null = send every level), with the events refused one by
     * one (older than the retention) listed beside it. When events were sent and none was stored, a
     * 400 with Seq's error shape {"Error": "…"} (seq-api's ErrorPart): a 201 told the sink they were
     * kept; on a 400 the sinks drop the batch rather than retry it (seqcli, seq-logging).
     */
    async seqEvents(request: FastifyRequest, reply: FastifyReply) {
      const raw = body(request);
      const clef =
        request.routeOptions.url === '/ingest/clef' ||
        isClefRequest(Object.hasOwn(request.query as object, 'clef'), header(request, 'content-type'));
      const result = await deps.store.ingestBody({
        kind: 'ndjson',
        body: clef ? clefLines(raw, header(request, 'content-type')) : seqRawEventsToClef(raw),
        nowNs: nowNs(),
      });
      count('seq', result.accepted, result.rejected);
      const { accepted, rejected, errors } = result;
      if (rejected > 0 && accepted === 0) {
        const why = `nothing stored: ${rejected === 1 ? 'the event was' : `all ${rejected} events were`} refused; ${errors[0]}`;
        reply.status(400).send({ Error: why, MinimumLevelAccepted: null, rejected, errors });
        return;
      }
      reply.status(201).send({ MinimumLevelAccepted: null, ...(rejected > 0 ? { rejected, errors } : {}) });
    },
  };
}
