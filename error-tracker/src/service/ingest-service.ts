// The accept path of Sentry ingestion: authenticate the DSN key, apply back-pressure and quotas,
// parse and normalize, and append to the inbox in one transaction. The 200 is sent after that
// transaction commits, so an accepted event is never lost; grouping happens in the Digester.
import {
  AppError,
  BadRequest,
  NotFound,
  ParseError,
  RateLimited,
  TooLarge,
  Unauthorized,
} from '@flowrent/shared/errors';
import { IngestParseError, IngestTooLarge, IngestUnsupportedEncoding } from '../ingest/errors.js';
import type { Project } from '../model.js';
import type { ErrorStore } from '../store/store.js';
import type { Digester } from './digester.js';
import { decodeBody } from '../ingest/decode.js';
import { MAX_DECODED_BYTES } from './prepare-payload.js';
import { inlinePreparer, type Preparer } from './preparer.js';
import { QuotaTracker } from './quotas.js';
import { GroupCommit } from './group-commit.js';
import { LookupCache } from './lookup-cache.js';
import { dsnFromEnvelopeHead, keyFromDsn, keyOutsideBody, type Repeatable } from './sentry-auth.js';

export interface IngestRequest {
  endpoint: 'envelope' | 'store';
  projectId: string;
  /** The body as received; `contentEncoding` is undone by the preparer. */
  body: Buffer;
  contentType?: string;
  contentEncoding?: string;
  /** Every value given (a header or parameter may be repeated; two different keys are a 400). */
  sentryAuth?: Repeatable;
  authorization?: Repeatable;
  queryKey?: Repeatable;
  clientIp?: string;
}

export interface IngestOptions {
  maxPending: number;
  /** Ingest requests at once, from their first byte to their answer, before 429. */
  maxInFlight: number;
  /** Body bytes those requests may hold at once before 429 (one request alone is always taken:
   * its size is bounded by MAX_ENVELOPE_BYTES). */
  maxBufferedBytes: number;
  clock: () => number;
  /** Where parsing and preparing run (inline or worker threads). */
  preparer?: Preparer;
}

const BACKPRESSURE_RETRY_SECONDS = 10;
/** How long a project or key lookup is reused (changes made elsewhere apply within it). */
const LOOKUP_CACHE_MS = 5000;
const EVENT_CATEGORIES = 'error;default;security';

export class IngestService {
  private readonly quotas = new QuotaTracker();
  /** The accept path's group commit (held by the store worker around an inbox checkpoint). */
  readonly commits: GroupCommit;
  private readonly preparer: Preparer;
  /** Whether a DSN key is active, by `${projectId}:${key}`. */
  private readonly keyCache = new LookupCache<string, boolean>(LOOKUP_CACHE_MS);
  /** Projects (their quotas) by id; null for an unknown id. */
  private readonly projectCache = new LookupCache<number, Project | null>(LOOKUP_CACHE_MS);
  accepted = 0;
  private inFlight = 0;
  private bufferedBytes = 0;

  /** Ingest requests admitted and not yet answered, and the body bytes they hold (/metrics). */
  get requestsInFlight(): { requests: number; bytes: number } {
    return { requests: this.inFlight, bytes: this.bufferedBytes };
  }

  constructor(
    private readonly store: ErrorStore,
    private readonly digester: Digester,
    private readonly options: IngestOptions,
  ) {
    this.commits = new GroupCommit(store);
    this.preparer = options.preparer ?? inlinePreparer();
  }

  /**
   * Takes an ingest request in before its body is read (the HTTP layer's onRequest hook), or throws
   * the 429: bodies were buffered whole first and counted only once handed over, so concurrent large
   * uploads each held their 20 MB (black-box #12: 40 uploads, 2 GB of RSS). The declared
   * Content-Length is reserved at once; a chunked body is counted as it arrives (`received`).
   * `release` when the request is answered or its connection closes.
   */
  admit(declaredBytes: number): Admission {
    if (this.inFlight >= this.options.maxInFlight) throw tooBusy('too many requests in flight');
    if (this.inFlight > 0 && this.bufferedBytes + declaredBytes > this.options.maxBufferedBytes)
      throw tooBusy('too many request bytes in flight');
    this.inFlight++;
    this.bufferedBytes += declaredBytes;
    let held = declaredBytes;
    let open = true;
    return {
      received: (n: number) => {
        held += n;
        this.bufferedBytes += n;
        if (this.inFlight > 1 && this.bufferedBytes > this.options.maxBufferedBytes)
          throw tooBusy('too many request bytes in flight');
      },
      release: () => {
        if (!open) return;
        open = false;
        this.inFlight--;
        this.bufferedBytes -= held;
      },
    };
  }

  async accept(received: IngestRequest): Promise<Accepted> {
    let req = received;
    const projectId = /^\d+$/.test(req.projectId) ? Number(req.projectId) : Number.NaN;
    const project = Number.isSafeInteger(projectId) ? this.projectOf(projectId) : null;
    if (!project) throw new NotFound(`unknown project ${req.projectId}`);
    if (!keyOutsideBody(req) && req.endpoint === 'envelope' && req.contentEncoding) {
      // the key can only be in the envelope header: decode here (rare: tunnels send plain bodies)
      const body = await guardAsync(
        Promise.resolve().then(() => decodeBody(req.body, req.contentEncoding, MAX_DECODED_BYTES)),
      );
      req = { ...req, body, contentEncoding: undefined };
    }
    const presented = this.authenticate(req, projectId);
    const nowMs = this.options.clock();
    const prepared = await guardAsync(
      this.preparer.prepare({
        endpoint: req.endpoint,
        projectId,
        body: req.body,
        contentType: req.contentType,
        contentEncoding: req.contentEncoding,
        clientIp: req.clientIp,
        nowMs,
      }),
    );
    if (presented === 'outside body') checkEnvelopeDsn(prepared.envelopeDsn, req, projectId);
    let entries = prepared.entries;
    let itemCounts = prepared.itemCounts;
    let rateLimits: string | undefined;
    if (entries.length > 0) {
      const refused = this.refuseEvents(projectId, project, nowMs, entries.length);
      if (refused) {
        // Relay drops only the rate-limited items (the events and the attachments that ride with
        // them) and keeps the rest (sessions, client reports): 429 only when nothing is left
        itemCounts = withoutEventItems(itemCounts);
        if (prepared.sessions.length === 0 && Object.keys(itemCounts).length === 0) throw refused;
        entries = [];
        rateLimits = refused.headers['x-sentry-rate-limits'];
      }
    }
    // durable before the answer: the group commit resolves after its transaction committed
    await this.commits.append({
      projectId,
      events: entries,
      itemCounts,
      sessions: prepared.sessions,
      countsKey: prepared.countsKey,
    });
    this.accepted += entries.length;
    if (entries.length > 0) this.digester.added(entries.length);
    if (rateLimits) return { id: null, rateLimits };
    return { id: entries[0]?.eventId ?? prepared.headerEventId };
  }

  /** Why the events of a request cannot be taken now (back-pressure or the project's quota), or
   * null; a refusal consumes no quota. */
  private refuseEvents(projectId: number, project: Project, nowMs: number, n: number): RateLimited | null {
    if (this.digester.pending() >= this.options.maxPending) {
      return rateLimited(
        'ingestion is behind, retry later',
        BACKPRESSURE_RETRY_SECONDS,
        'organization',
        'backpressure',
      );
    }
    const wait = this.quotas.take(projectId, project.quotaPerMinute, project.quotaPerHour, nowMs, n);
    if (wait > 0) return rateLimited(`project ${projectId} quota exceeded`, wait, 'project', 'project_quota');
    return null;
  }

  /** Where the key was: outside the body (the envelope's dsn, if any, is checked once parsed), or
   * in the envelope header's dsn. */
  private authenticate(req: IngestRequest, projectId: number): 'outside body' | 'envelope dsn' {
    let key = keyOutsideBody(req);
    const where = key ? 'outside body' : 'envelope dsn';
    if (!key && req.endpoint === 'envelope') {
      const dsn = keyFromDsn(dsnFromEnvelopeHead(req.body));
      if (dsn && dsn.projectId !== undefined && dsn.projectId !== projectId) {
        throw new AppError(403, 'forbidden', 'envelope dsn names another project');
      }
      key = dsn?.publicKey;
    }
    if (!key)
      throw new Unauthorized(
        'missing sentry_key (X-Sentry-Auth, sentry_key query parameter or envelope dsn)',
      );
    if (!this.isActiveKey(projectId, key)) {
      throw new AppError(403, 'forbidden', `invalid or revoked DSN key for project ${projectId}`);
    }
    return where;
  }

  private projectOf(projectId: number): Project | null {
    const now = this.options.clock();
    const cached = this.projectCache.get(projectId, now);
    if (cached !== undefined) return cached;
    const project = this.store.getProject(projectId);
    this.projectCache.set(projectId, project, now);
    return project;
  }

  private isActiveKey(projectId: number, key: string): boolean {
    const id = `${projectId}:${key}`;
    const now = this.options.clock();
    const cached = this.keyCache.get(id, now);
    if (cached !== undefined) return cached;
    const active = this.store.findActiveKey(projectId, key) !== null;
    this.keyCache.set(id, active, now);
    return active;
  }

  /** Forgets cached projects and key lookups (after a project or key is added, changed or revoked). */
  forgetCachedLookups(): void {
    this.keyCache.forget();
    this.projectCache.forget();
  }
}

/**
 * An envelope that carries a `dsn` besides a key in the query or a header must name the same key
 * and project, as Relay checks that the auth forms of a request match: a tunnel or proxy that
 * sends another project's envelope to this URL is refused, not filed under the URL's project.
 * Checked once the worker parsed the envelope (also when compressed), before quotas are taken.
 */
function checkEnvelopeDsn(envelopeDsn: string | null, req: IngestRequest, projectId: number): void {
  if (envelopeDsn === null) return;
  const dsn = keyFromDsn(envelopeDsn);
  // Relay reads the header's dsn as a DSN and refuses an envelope whose dsn does not parse; it
  // was ignored beside a valid key (black-box 10 #6 addendum)
  if (!dsn) throw new BadRequest('the envelope dsn is not a DSN with a public key');
  if (dsn.publicKey !== keyOutsideBody(req)) {
    throw new BadRequest('the envelope dsn holds another sentry_key than the one presented; send one');
  }
  if (dsn.projectId !== undefined && dsn.projectId !== projectId) {
    throw new AppError(403, 'forbidden', 'envelope dsn names another project');
  }
}

/** What an accepted request answers: the stored event's id, and the rate limits that dropped some
 * of its items (the X-Sentry-Rate-Limits header of a 200). */
export interface Accepted {
  id: string | null;
  rateLimits?: string;
}

/** Item counts without the items a refused event takes with it. */
function withoutEventItems(itemCounts: Record<string, number>): Record<string, number> {
  const rest: Record<string, number> = {};
  for (const type in itemCounts) if (type !== 'event' && type !== 'attachment') rest[type] = itemCounts[type];
  return rest;
}

/** An admitted request's hold on the in-flight budget (IngestService.admit). */
export interface Admission {
  /** Bytes of a body without Content-Length as they arrive; throws the 429 past the budget. */
  received(bytes: number): void;
  release(): void;
}

/** Refused before its items are read: every category (an empty list), as the SDKs read it (the
 * event categories alone let them keep sending sessions and transactions into the overload); the
 * connection is closed rather than the rest of the body read. */
function tooBusy(what: string): RateLimited {
  const refused = rateLimited(`${what}, retry later`, 1, 'organization', 'backpressure', '');
  refused.headers.connection = 'close';
  return refused;
}

function rateLimited(
  message: string,
  seconds: number,
  scope: string,
  reason: string,
  categories = EVENT_CATEGORIES,
): RateLimited {
  return new RateLimited(message, seconds, undefined, {
    'x-sentry-rate-limits': `${seconds}:${categories}:${scope}:${reason}`,
  });
}

/** Maps the pure ingest modules' errors to the shared typed errors. */
async function guardAsync<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof IngestParseError) throw new ParseError(err.message, { position: err.position });
    if (err instanceof IngestTooLarge) throw new TooLarge(err.message, { limit_bytes: err.limitBytes });
    if (err instanceof IngestUnsupportedEncoding)
      throw new AppError(415, 'unsupported_media_type', err.message);
    throw err;
  }
}
