// /api/v1/query and /api/v1/query_range: parse → evaluate over the SampleSource → Prometheus JSON.
import { Readable } from 'node:stream';
import { executionError, PromQLError } from '../promql/errors.js';
import { promResponsePieces } from '../promql/format.js';
import type { ParsedQueries } from '../promql/parse-cache.js';
import { prettyExpr } from '../promql/print.js';
import type { Eval } from '../promql/eval/values.js';
import {
  evaluateSliced,
  instantEvaluation,
  MAX_POINTS_PER_SERIES,
  type QueryOptions,
  type QueryResult,
  type QuerySlicing,
  rangeEvaluation,
} from '../promql/query.js';
import type { SampleSource } from '../promql/sample-source.js';
import {
  badData,
  engineMs,
  type FormParams,
  parseDurationNs,
  parseDurationParam,
  parseTimeParam,
  requiredTime,
  subNs,
} from './api-params.js';

export interface QueryDeps {
  source: SampleSource;
  clock: () => number;
  /** --query.timeout; a smaller `timeout` parameter wins. */
  timeoutMs: number;
  lookbackMs: number;
  /** Step of subqueries written without one: the global evaluation interval, as in Prometheus. */
  subqueryStepMs?: number;
  parsed: ParsedQueries;
  /** Evaluation shares the event loop in slices (ingest and health checks go on meanwhile). */
  slicing: QuerySlicing;
  gate: QueryGate;
}

/**
 * At most `max` queries evaluate at once, the others wait in arrival order (Prometheus'
 * --query.max-concurrency). Sliced queries overlap and each holds its working set while paused:
 * unbounded, a dashboard's burst of panels would hold them all at once (evaluated whole, they ran
 * one after another). The timeout covers the wait as in Prometheus (its context is made before
 * the query asks for a slot): a query still waiting at its timeout, or granted a slot after it,
 * ends with "query timed out in query queue"; one granted a slot evaluates for the time left.
 */
export class QueryGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  /** `now`: the clock the timeout runs on (ms), the slices' clock. */
  constructor(
    public max: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async run<T>(
    evaluate: (timeoutMs: number) => Promise<T>,
    timeoutMs = Number.POSITIVE_INFINITY,
  ): Promise<T> {
    const queued = this.now();
    if (this.running < this.max) this.running++;
    else await this.slot(timeoutMs);
    try {
      const left = timeoutMs - (this.now() - queued);
      if (left <= 0) throw queueTimeout();
      return await evaluate(left);
    } finally {
      // The slot goes to the next waiting query, or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Resolves once a slot is handed over; rejects (holding none) if the timeout passes first. */
  private slot(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const granted = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiting.push(granted);
      if (timeoutMs <= MAX_TIMER_MS) {
        timer = setTimeout(() => {
          const i = this.waiting.indexOf(granted);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(queueTimeout());
        }, timeoutMs);
      }
    });
  }
}

/** setTimeout's longest delay; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function queueTimeout(): PromQLError {
  return new PromQLError('timeout', 'query timed out in query queue');
}

/** `named`: 2.42's instant query (and format_query) name the parameter in a parse error; its
 * query_range gives the bare error. */
function parseQuery(deps: Pick<QueryDeps, 'parsed'>, p: FormParams, opts: QueryOptions, named = true) {
  let expr: ReturnType<ParsedQueries['get']>;
  try {
    expr = deps.parsed.get(p.get('query') ?? '');
  } catch (e) {
    const message = (e as PromQLError).message;
    throw badData(named ? `invalid parameter "query": ${message}` : message);
  }
  // A `timeout` of 0 or less: Go's context is done before the query runs (after it is parsed).
  if (opts.timeoutMs !== undefined && opts.timeoutMs <= 0)
    throw new PromQLError('timeout', 'query timed out in query execution');
  return expr;
}

function options(deps: QueryDeps, p: FormParams): QueryOptions {
  const timeout = parseDurationParam(p, 'timeout');
  return {
    lookbackMs: deps.lookbackMs,
    subqueryStepMs: deps.subqueryStepMs,
    timeoutMs: timeout !== undefined ? Math.min(timeout, deps.timeoutMs) : deps.timeoutMs,
    // The deadline runs on the slices' clock: time spent paused counts, as a wall-clock timeout.
    now: () => deps.slicing.now(),
  };
}

/** /api/v1/format_query: the expression as Prometheus' Pretty(0) prints it. */
export function formatQuery(deps: Pick<QueryDeps, 'parsed'>, p: FormParams): string {
  return prettyExpr(parseQuery(deps, p, {}));
}

/** A body of one piece as a string; a larger one as a stream of its pieces, written as they are
 * formatted, so the process never holds it whole (see promResponsePieces). */
function responseBody(pieces: Generator<string>): string | Readable {
  const first = pieces.next();
  if (first.done) return '';
  const second = pieces.next();
  if (second.done) return first.value;
  return Readable.from(
    (function* () {
      yield first.value;
      yield second.value;
      yield* pieces;
    })(),
    { objectMode: false },
  );
}

/** Prometheus' data.stats (`stats` given, any value): timings in seconds and sample counts. */
class QueryStats {
  readonly counts = { loaded: 0, max: 0, peak: 0, total: 0 };
  private readonly started: number;
  private parsed = 0;
  private granted = 0;
  private evaluated = 0;

  constructor(private readonly now: () => number) {
    this.started = now();
  }

  parsedNow(): void {
    this.parsed = this.now();
  }

  grantedNow(): void {
    this.granted = this.now();
  }

  evaluatedNow(): void {
    this.evaluated = this.now();
  }

  /** Parsing stands for 2.42's queryPreparationTime; results are sorted as they are evaluated. */
  json(): string {
    const s = (ms: number) => Math.max(0, ms) / 1000;
    const preparation = s(this.parsed - this.started);
    const inner = s(this.evaluated - this.granted);
    const queue = s(this.granted - this.parsed);
    return JSON.stringify({
      timings: {
        evalTotalTime: preparation + inner,
        resultSortTime: 0,
        queryPreparationTime: preparation,
        innerEvalTime: inner,
        execQueueTime: queue,
        execTotalTime: queue + preparation + inner,
      },
      samples: { totalQueryableSamples: this.counts.total, peakSamples: this.counts.peak },
    });
  }
}

/** Evaluates through the gate, in slices; with `stats`, its timings and counts are kept. */
async function run(
  deps: QueryDeps,
  opts: QueryOptions,
  stats: QueryStats | undefined,
  evaluation: (opts: QueryOptions) => Eval<QueryResult>,
  canceled?: () => boolean,
): Promise<string | Readable> {
  stats?.parsedNow();
  const result = await deps.gate.run(async (timeoutMs) => {
    stats?.grantedNow();
    const r = await evaluateSliced(
      (slice) => evaluation({ ...opts, timeoutMs, slice, counts: stats?.counts }),
      deps.slicing,
      canceled,
    );
    stats?.evaluatedNow();
    return r;
  }, opts.timeoutMs);
  return responseBody(promResponsePieces(result, [], stats?.json()));
}

function statsOf(deps: QueryDeps, p: FormParams): QueryStats | undefined {
  return p.get('stats') ? new QueryStats(() => deps.slicing.now()) : undefined;
}

/** `canceled`: whether the client went away (asked between slices of the evaluation). */
export async function instantQuery(
  deps: QueryDeps,
  p: FormParams,
  canceled?: () => boolean,
): Promise<string | Readable> {
  const time = parseTimeParam(p, 'time', deps.clock());
  const opts = options(deps, p);
  const stats = statsOf(deps, p);
  const expr = parseQuery(deps, p, opts);
  return run(deps, opts, stats, (o) => instantEvaluation(deps.source, expr, time, o), canceled);
}

export async function rangeQuery(
  deps: QueryDeps,
  p: FormParams,
  canceled?: () => boolean,
): Promise<string | Readable> {
  // 2.42 checks the range on time.Time and time.Duration (ns); the engine then takes ms.
  const startNs = requiredTime(p, 'start');
  const endNs = requiredTime(p, 'end');
  if (endNs < startNs) throw badData('invalid parameter "end": end timestamp must not be before start time');
  const stepNs = parseDurationNs(p, 'step');
  if (stepNs === undefined) throw badData(`invalid parameter "step": cannot parse "" to a valid duration`);
  if (stepNs <= 0n) {
    throw badData(
      'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
    );
  }
  if (subNs(endNs, startNs) / stepNs > BigInt(MAX_POINTS_PER_SERIES)) {
    throw badData(
      'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
    );
  }
  const [start, end, step] = [engineMs(startNs), engineMs(endNs), Number(stepNs / 1_000_000n)];
  const opts = options(deps, p);
  const stats = statsOf(deps, p);
  const expr = parseQuery(deps, p, opts, false);
  // A step under 1 ms passes the checks above and is 0 in the engine's ms, where 2.42 divides by
  // it: its answer, as it gives it.
  if (step === 0) throw executionError('unexpected error: runtime error: integer divide by zero');
  return run(deps, opts, stats, (o) => rangeEvaluation(deps.source, expr, start, end, step, o), canceled);
}
