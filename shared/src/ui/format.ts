// Pure formatting helpers used by server-rendered pages and by browser bundles alike
// (no Node imports here, so esbuild can bundle this file for the browser).

// Created on first use, not at import: building a NumberFormat pages in ~4 MB of ICU data from the
// node binary, which a service that renders no page (e.g. one that only ingests) never needs.
let integerFormat: Intl.NumberFormat | undefined;
let decimalFormat: Intl.NumberFormat | undefined;
const integer = () => (integerFormat ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }));
const decimal = () => (decimalFormat ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 }));

/** 1234567 → "1,234,567"; 1234.5678 → "1,234.568"; NaN/±Inf spelled like Prometheus. */
export function formatNumber(value: number | bigint | string): string {
  if (typeof value === 'bigint') return integer().format(value);
  const n = typeof value === 'string' ? Number(value) : value;
  if (Number.isNaN(n))
    return typeof value === 'string' && value.trim() !== '' && value !== 'NaN' ? value : 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Number.isInteger(n)) return integer().format(n);
  if (Math.abs(n) !== 0 && (Math.abs(n) < 0.001 || Math.abs(n) >= 1e15)) return n.toExponential(3);
  return decimal().format(n);
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${BYTE_UNITS[i]}`;
}

/** 0.0123 → "12.3 ms", 95 → "1 min 35 s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  const abs = Math.abs(seconds);
  if (abs < 1e-3) return `${(seconds * 1e6).toFixed(0)} µs`;
  if (abs < 1) return `${(seconds * 1e3).toFixed(abs < 0.01 ? 2 : 1)} ms`;
  if (abs < 60) return `${seconds.toFixed(abs < 10 ? 2 : 1)} s`;
  if (abs < 3600) return `${Math.floor(abs / 60)} min ${Math.round(abs % 60)} s`;
  if (abs < 86400) return `${Math.floor(abs / 3600)} h ${Math.round((abs % 3600) / 60)} min`;
  return `${Math.floor(abs / 86400)} d ${Math.round((abs % 86400) / 3600)} h`;
}

/** "3 min ago" / "in 2 h" for a moment relative to `now` (both epoch ms). */
export function formatRelativeTime(thenMs: number, nowMs: number): string {
  const diff = Math.round((nowMs - thenMs) / 1000);
  const abs = Math.abs(diff);
  let text: string;
  if (abs < 5) return 'just now';
  if (abs < 60) text = `${abs} s`;
  else if (abs < 3600) text = `${Math.floor(abs / 60)} min`;
  else if (abs < 86400) text = `${Math.floor(abs / 3600)} h`;
  else if (abs < 86400 * 30) text = `${Math.floor(abs / 86400)} d`;
  else if (abs < 86400 * 365) text = `${Math.floor(abs / (86400 * 30))} mo`;
  else text = `${Math.floor(abs / (86400 * 365))} y`;
  return diff >= 0 ? `${text} ago` : `in ${text}`;
}

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

const LEVEL_ALIASES: Record<string, Level> = {
  trace: 'trace',
  verbose: 'trace',
  debug: 'debug',
  info: 'info',
  information: 'info',
  notice: 'info',
  log: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  err: 'error',
  fatal: 'fatal',
  critical: 'fatal',
  crit: 'fatal',
  panic: 'fatal',
  emergency: 'fatal',
  alert: 'fatal',
};

/** Normalises a level name from any client to one of the six levels the stylesheet colours. */
export function normalizeLevel(level: string | null | undefined): Level | undefined {
  if (!level) return undefined;
  return LEVEL_ALIASES[level.toLowerCase()];
}

/** CSS class for a level ("level-warn"); unknown levels get "level-unknown" (neutral). */
export function levelClass(level: string | null | undefined): string {
  return `level-${normalizeLevel(level) ?? 'unknown'}`;
}
