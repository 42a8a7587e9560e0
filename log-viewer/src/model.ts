// The one log record model every ingest protocol produces and every query reads (issue 4, item 1).
// Kept free of I/O so that ingest/, query/ and store/ can all import it.

/** Normalized levels, in ascending order of severity. */
export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type Level = (typeof LEVELS)[number];

/** Which wire protocol a record arrived by. */
export type Protocol = 'loki' | 'otlp' | 'elasticsearch' | 'ndjson';

/** JSON value as stored in attributes (nested objects and arrays allowed). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface LogRecord {
  /** Event time, nanoseconds since the Unix epoch. */
  timeNs: bigint;
  /** When a collector or this server first saw the record, ns since the epoch. */
  observedNs: bigint;
  /** Normalized level. */
  level: Level;
  /** The level text exactly as sent ('' when none was sent). */
  levelText: string;
  /** OpenTelemetry severity number 1..24 (0 = unspecified). */
  severity: number;
  /** Service name ('' when unknown). */
  service: string;
  /** Host name ('' when unknown). */
  host: string;
  /** The log line / body as text. */
  message: string;
  /** Every other field, nested JSON allowed. */
  attributes: Record<string, JsonValue>;
  /** 32 lowercase hex chars, or '' when absent. */
  traceId: string;
  /** 16 lowercase hex chars, or '' when absent. */
  spanId: string;
  /** The shipper's stream labels (Loki labels, OTLP resource attributes, ...). */
  labels: Record<string, string>;
  protocol: Protocol;
}

/** A record as read back from the store: `seq` is a unique, stable id assigned at append time. */
export interface StoredRecord extends LogRecord {
  seq: number;
}

const RANK: Record<Level, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5 };

/** Position of a level in LEVELS (trace = 0 … fatal = 5). */
export function levelRank(level: Level): number {
  return RANK[level];
}

/** Default OTel severity number for a normalized level. */
export function levelToSeverity(level: Level): number {
  return RANK[level] * 4 + 1;
}

/** OTel severity number (1..24) to a level; 0 or out of range gives 'info'. */
export function severityToLevel(severity: number): Level {
  if (!(severity >= 1 && severity <= 24)) return 'info';
  return LEVELS[Math.floor((severity - 1) / 4)];
}

const LEVEL_WORDS: Record<string, Level> = {
  trace: 'trace',
  trc: 'trace',
  // npm's levels (winston): error, warn, info, http, verbose, debug, silly, mapped by their order as
  // OpenTelemetry's winston instrumentation does (http and verbose are DEBUG2-3, silly TRACE). The
  // lowercase `verbose` is npm's, above debug; Serilog's `Verbose` (any other spelling, CLEF's `@l`)
  // is its lowest level, below Debug, so it stays trace (normalizeLevel's exact lookup comes first).
  verbose: 'debug',
  silly: 'trace',
  http: 'debug',
  verb: 'trace',
  finest: 'trace',
  finer: 'trace',
  vrb: 'trace',
  debug: 'debug',
  dbg: 'debug',
  fine: 'debug',
  dbug: 'debug',
  d: 'debug',
  t: 'trace',
  info: 'info',
  information: 'info',
  informational: 'info',
  inf: 'info',
  notice: 'info',
  i: 'info',
  log: 'info',
  warn: 'warn',
  warning: 'warn',
  wrn: 'warn',
  w: 'warn',
  error: 'error',
  err: 'error',
  eror: 'error',
  e: 'error',
  severe: 'error',
  fatal: 'fatal',
  critical: 'fatal',
  crit: 'fatal',
  alert: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
  panic: 'fatal',
  ftl: 'fatal',
  f: 'fatal',
  dpanic: 'fatal',
};

/** LEVEL_WORDS as a Map: no prototype keys ('constructor', '__proto__') can match. */
const LEVEL_MAP = new Map<string, Level>(Object.entries(LEVEL_WORDS));
/** Case-folded spellings whose level differs from the exact lowercase word's (see LEVEL_WORDS). */
const FOLDED_LEVELS = new Map<string, Level>([['verbose', 'trace']]);

/**
 * Normalize a level as sent by any client: words in any case ("Warning", "ERR", "Information"),
 * OTel severity texts ("INFO2"), pino numbers (10..60) and OTel severity numbers (1..24).
 * Returns undefined when the value is not recognisable.
 */
export function normalizeLevel(value: unknown): Level | undefined {
  if (typeof value === 'number') {
    if (value >= 10 && value % 10 === 0 && value <= 60) return LEVELS[value / 10 - 1];
    if (value >= 1 && value <= 24 && Number.isInteger(value)) return severityToLevel(value);
    return undefined;
  }
  if (typeof value !== 'string' || value.length === 0 || value.length > 32) return undefined;
  const exact = LEVEL_MAP.get(value); // the common case: already a lowercase word
  if (exact) return exact;
  const word = value.trim().toLowerCase();
  const direct = FOLDED_LEVELS.get(word) ?? LEVEL_MAP.get(word);
  if (direct) return direct;
  const stripped = word.replace(/[0-9]+$/, ''); // OTel "INFO2", "ERROR3"
  if (stripped !== word && LEVEL_MAP.has(stripped)) return LEVEL_MAP.get(stripped);
  if (/^[0-9]+$/.test(word)) return normalizeLevel(Number(word));
  return undefined;
}

/**
 * Lowercase word tokens of a text: maximal runs of letters, digits and '_' (the word semantics of
 * VictoriaLogs). Shared by the store's block token index and the query side, so a query token that
 * tokenize() produces can be looked up in a block's bloom filter.
 */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const isWord = i < text.length && isTokenChar(text.charCodeAt(i));
    if (isWord) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      out.push(text.slice(start, i).toLowerCase());
      start = -1;
    }
  }
  return out;
}

/** True for the UTF-16 code units that belong to tokens (ASCII fast path, then Unicode letters/digits). */
export function isTokenChar(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
  if (c >= 0xd800 && c <= 0xdfff) return true; // surrogate halves: keep astral chars inside tokens
  return LETTER_OR_DIGIT.test(String.fromCharCode(c));
}
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Parse a 32-hex (trace) or 16-hex (span) id; lowercase, '' when invalid or all zero. */
export function normalizeHexId(value: unknown, hexLength: 32 | 16): string {
  if (typeof value !== 'string' || value.length !== hexLength) return '';
  let upper = false;
  let nonZero = false;
  for (let i = 0; i < hexLength; i++) {
    const c = value.charCodeAt(i);
    if (c >= 97 && c <= 102) nonZero = true;
    else if (c >= 49 && c <= 57) nonZero = true;
    else if (c >= 65 && c <= 70) upper = nonZero = true;
    else if (c !== 48) return '';
  }
  if (!nonZero) return '';
  return upper ? value.toLowerCase() : value;
}
