// Dashboards as data: a title, a default time range and refresh, and a grid of panels each holding one
// PromQL query. This is also the import/export JSON format (`flowrent_dashboard: 1`); pure, validated here.
import { ValidationError } from '@flowrent/shared/errors';
import { PromQLParseError } from '../promql/errors.js';
import { parseExpr } from '../promql/parse.js';
import { parseDurationMs } from '../ui/time-range.js';

export const DASHBOARD_FORMAT_VERSION = 1;
export const MAX_PANELS = 60;
export const MAX_TITLE_CHARS = 200;
export const MAX_DESCRIPTION_CHARS = 2000;
export const MAX_EXPR_CHARS = 10_000;
export const MAX_DASHBOARD_JSON_BYTES = 512 * 1024;
export const GRID_COLUMNS = 12;
export const MIN_REFRESH_MS = 5000;
/** Longest default range (100 years): longer than any retention here, and far from the ranges
 * whose panel queries cannot be asked at all (999999999999d: the step overflows int64 ns). */
export const MAX_RANGE_MS = 100 * 365 * 86_400_000;

export const PANEL_KINDS = ['graph', 'table', 'stat'] as const;
export type PanelKind = (typeof PANEL_KINDS)[number];

export interface Panel {
  title: string;
  expr: string;
  kind: PanelKind;
  stacked: boolean;
  /** Columns of the 12-column grid this panel spans. */
  width: number;
}

export interface Dashboard {
  title: string;
  description: string;
  /** Default range, e.g. "1h". */
  range: string;
  /** Auto-refresh interval ("" = off). */
  refresh: string;
  panels: Panel[];
}

export function emptyPanel(): Panel {
  return { title: '', expr: '', kind: 'graph', stacked: false, width: 6 };
}

function fail(path: string, message: string, extra: Record<string, unknown> = {}): never {
  throw new ValidationError(`${path}: ${message}`, { path, ...extra });
}

/** A panel's query must parse, as Explore's add-panel requires: a broken one could only fail. */
function checkExpr(expr: string, path: string): string {
  try {
    parseExpr(expr);
  } catch (err) {
    if (!(err instanceof PromQLParseError)) throw err;
    const position = { offset: err.pos.from, line: err.line, column: err.column };
    fail(path, err.message, { position });
  }
  return expr;
}

function text(value: unknown, path: string, max: number, fallback?: string): string {
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback;
    fail(path, 'is required');
  }
  if (typeof value !== 'string') fail(path, 'must be a string');
  if (value.length > max) fail(path, `must be at most ${max} characters`);
  return value;
}

function parsePanel(value: unknown, path: string, checkQuery: boolean): Panel {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'must be an object');
  const p = value as Record<string, unknown>;
  const kind = p.kind ?? 'graph';
  if (!PANEL_KINDS.includes(kind as PanelKind))
    fail(`${path}.kind`, `must be one of ${PANEL_KINDS.join(', ')}`);
  const width = p.width ?? 6;
  if (typeof width !== 'number' || !Number.isInteger(width) || width < 1 || width > GRID_COLUMNS)
    fail(`${path}.width`, `must be an integer from 1 to ${GRID_COLUMNS}`);
  if (p.stacked !== undefined && typeof p.stacked !== 'boolean')
    fail(`${path}.stacked`, 'must be true or false');
  return {
    title: text(p.title, `${path}.title`, MAX_TITLE_CHARS, ''),
    expr: checkQuery
      ? checkExpr(text(p.expr, `${path}.expr`, MAX_EXPR_CHARS), `${path}.expr`)
      : text(p.expr, `${path}.expr`, MAX_EXPR_CHARS),
    kind: kind as PanelKind,
    stacked: p.stacked === true,
    width,
  };
}

/** Validates a dashboard object (from the edit form or an imported file); throws ValidationError with a path. */
export function parseDashboard(value: unknown): Dashboard {
  return readDashboard(value, true);
}

/** A stored definition in today's shape, without the checks added after it may have been saved (a
 * panel query that parses, a range of at most 100y): refusing it made the dashboard impossible to
 * open, fix or export. Saving it again applies every check. */
export function parseStoredDashboard(value: unknown): Dashboard {
  return readDashboard(value, false);
}

function readDashboard(value: unknown, checkQueries: boolean): Dashboard {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('dashboard', 'must be a JSON object');
  const d = value as Record<string, unknown>;
  if (d.flowrent_dashboard !== undefined && d.flowrent_dashboard !== DASHBOARD_FORMAT_VERSION)
    fail('flowrent_dashboard', `format version ${String(d.flowrent_dashboard)} is not supported`);
  const title = text(d.title, 'title', MAX_TITLE_CHARS).trim();
  if (!title) fail('title', 'must not be empty');
  const range = text(d.range, 'range', 20, '1h');
  const rangeMs = parseDurationMs(range);
  if (rangeMs === undefined) fail('range', 'must be a duration like 1h');
  if (checkQueries && rangeMs > MAX_RANGE_MS) fail('range', 'must be at most 100y');
  const refresh = text(d.refresh, 'refresh', 20, '');
  if (refresh !== '' && (parseDurationMs(refresh) ?? 0) < MIN_REFRESH_MS)
    fail('refresh', 'must be empty or a duration of at least 5s');
  const panels = d.panels ?? [];
  if (!Array.isArray(panels)) fail('panels', 'must be an array');
  if (panels.length > MAX_PANELS) fail('panels', `at most ${MAX_PANELS} panels`);
  return {
    title,
    description: text(d.description, 'description', MAX_DESCRIPTION_CHARS, ''),
    range,
    refresh,
    panels: panels.map((p, i) => parsePanel(p, `panels[${i}]`, checkQueries)),
  };
}

/** Parses an uploaded/pasted export (JSON text), with the size limit checked first. */
export function parseDashboardJson(json: string): Dashboard {
  if (Buffer.byteLength(json) > MAX_DASHBOARD_JSON_BYTES)
    throw new ValidationError(`dashboard JSON is over ${MAX_DASHBOARD_JSON_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new ValidationError(`not valid JSON: ${(err as Error).message}`);
  }
  return parseDashboard(value);
}

/** The export document: versioned so a later format can still read it. */
export function exportDashboard(dashboard: Dashboard): Record<string, unknown> {
  return { flowrent_dashboard: DASHBOARD_FORMAT_VERSION, ...dashboard };
}
