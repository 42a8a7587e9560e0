// Stack traces as people read them in Sentry: the last raised exception first, its causes below,
// frames most recent call first, in-app frames emphasized and system frames folded away, each
// frame expandable to its context lines and local variables (plain <details>, so no script needed).
import { formatCount } from './format.js';
import type { ExceptionView, FrameView, Json } from './event-view.js';
import { html, type SafeHtml } from './html.js';

const REPR = /^(['"]).*\1$/s;
/** Nesting shown on a page; deeper containers read "[Object]" / "[Array]" (the JSON link has all). */
export const MAX_FORMAT_DEPTH = 10;

/**
 * JSON-like, except that strings which already are reprs (sentry-python sends `'5'` for the str
 * "5") are shown as sent rather than quoted a second time, as Sentry shows them. Containers below
 * MAX_FORMAT_DEPTH levels are placeholders, so the recursion is bounded whatever the data.
 */
export function formatValue(value: Json, indent = ''): string {
  if (typeof value === 'string') return REPR.test(value) ? value : JSON.stringify(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (indent.length >= 2 * MAX_FORMAT_DEPTH) return Array.isArray(value) ? '[Array]' : '[Object]';
  const inner = `${indent}  `;
  const items = Array.isArray(value)
    ? value.map((v) => inner + formatValue(v, inner))
    : Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatValue(v, inner)}`);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return items.length === 0 ? `${open}${close}` : `${open}\n${items.join(',\n')}\n${indent}${close}`;
}

function renderValue(value: Json): SafeHtml {
  if (typeof value === 'string') return html`${value}`;
  if (value === null || typeof value !== 'object') return html`${JSON.stringify(value)}`;
  return html`<pre class="json">${formatValue(value)}</pre>`;
}

/** Key/value pairs from a client as a definition list (kit style `dl.kv`). */
export function renderKeyValues(rows: [string, Json][], className = 'kv'): SafeHtml {
  return html`<dl class="${className}">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${renderValue(v)}</dd>`)}</dl>`;
}

function renderContext(frame: FrameView): SafeHtml | string {
  if (frame.contextLine === null) return '';
  const first = frame.lineno === null ? null : frame.lineno - frame.preContext.length;
  let n = first;
  const line = (text: string, cls: string) => {
    const no = n === null ? '' : String(n++);
    return html`<span class="${cls}"><span class="lineno">${no}</span>${text}</span>`;
  };
  return html`<pre class="stack-context">${frame.preContext.map((t) => line(t, 'line'))}${line(
    frame.contextLine,
    'line current',
  )}${frame.postContext.map((t) => line(t, 'line'))}</pre>`;
}

function renderFrameTitle(frame: FrameView): SafeHtml {
  const where =
    frame.lineno === null
      ? ''
      : html` at line <b>${frame.lineno}</b>${frame.colno === null ? '' : html`:${frame.colno}`}`;
  return html`<span class="frame-file">${frame.filename || frame.module || '<unknown>'}</span>${
    frame.function ? html` in <span class="frame-fn">${frame.function}</span>` : ''
  }${where}${frame.inApp ? html` <span class="badge badge-accent">in app</span>` : ''}`;
}

function renderFrame(frame: FrameView, open: boolean): SafeHtml {
  const cls = frame.inApp ? 'stack-frame in-app' : 'stack-frame system';
  const hasBody = frame.contextLine !== null || frame.vars.length > 0;
  if (!hasBody)
    return html`<div class="${cls}"><div class="frame-title">${renderFrameTitle(frame)}</div></div>`;
  const vars =
    frame.vars.length === 0
      ? ''
      : html`<div class="frame-vars"><h4>Local variables</h4>${renderKeyValues(frame.vars, 'kv vars')}</div>`;
  return html`<details class="${cls}"${open ? html` open` : ''}><summary class="frame-title">${renderFrameTitle(
    frame,
  )}</summary>${renderContext(frame)}${vars}</details>`;
}

/** Frames in display order; runs of system frames fold into one expandable group. */
export function renderFrames(frames: FrameView[]): SafeHtml {
  const anyInApp = frames.some((f) => f.inApp);
  const openIndex = anyInApp ? frames.findIndex((f) => f.inApp) : 0;
  const out: SafeHtml[] = [];
  let run: SafeHtml[] = [];
  const flush = () => {
    if (run.length > 1) {
      out.push(
        html`<details class="stack-frame system-frames"><summary class="frame-title muted">${run.length} system frames</summary><div class="stack nested">${run}</div></details>`,
      );
    } else out.push(...run);
    run = [];
  };
  for (const { frame, index, repeats } of foldRepeats(frames)) {
    const one = renderFrame(frame, index === openIndex);
    const rendered = repeats
      ? html`${one}<div class="frame-repeated muted small">Frame repeated ${formatCount(repeats)} more ${repeats === 1 ? 'time' : 'times'}</div>`
      : one;
    if (anyInApp && !frame.inApp) run.push(rendered);
    else {
      flush();
      out.push(rendered);
    }
  }
  flush();
  return html`<div class="stack">${out}</div>`;
}

/**
 * Runs of identical frames (a recursion) as one frame and a count, as Sentry's stack trace view
 * folds repeated frames: 400 `down` frames were 400 rows, a 19,000 px page (black-box 10 #70).
 * Identical means the same place in the code; the local variables may differ.
 */
function foldRepeats(frames: FrameView[]): { frame: FrameView; index: number; repeats: number }[] {
  const out: { frame: FrameView; index: number; repeats: number }[] = [];
  frames.forEach((frame, index) => {
    const last = out[out.length - 1];
    if (last && samePlace(last.frame, frame)) last.repeats++;
    else out.push({ frame, index, repeats: 0 });
  });
  return out;
}

function samePlace(a: FrameView, b: FrameView): boolean {
  return (
    a.filename === b.filename &&
    a.function === b.function &&
    a.module === b.module &&
    a.lineno === b.lineno &&
    a.colno === b.colno &&
    a.inApp === b.inApp
  );
}

function renderMechanism(m: ExceptionView['mechanism']): SafeHtml | string {
  if (!m) return '';
  const handled =
    m.handled === false
      ? html`<span class="badge level-error">unhandled</span>`
      : m.handled
        ? html`<span class="badge">handled</span>`
        : '';
  return html`<div class="mechanism">${handled} <span class="muted small">mechanism</span> <code>${m.type}</code></div>`;
}

function renderException(e: ExceptionView, index: number): SafeHtml {
  const title = e.type || (e.mechanism?.synthetic ? 'Message' : 'Error');
  return html`<div class="exception">${index > 0 ? html`<p class="caused-by">Caused by</p>` : ''}<h3 class="exception-title"><span class="exc-type">${title}</span>${
    e.value ? html`: <span class="exc-value">${e.value}</span>` : ''
  }</h3>${renderMechanism(e.mechanism)}${
    e.frames.length > 0
      ? html`<p class="muted small">Most recent call first</p>${renderFrames(e.frames)}`
      : html`<p class="muted">No stack trace.</p>`
  }</div>`;
}

/** Chained exceptions: the one that was raised last on top, then "Caused by" each cause. */
export function renderExceptions(exceptions: ExceptionView[]): SafeHtml {
  return html`<div class="exceptions">${exceptions.map(renderException)}</div>`;
}

/** Buttons (wired by the page script) that open or close every frame of a section. */
export const FRAME_TOOLS = html`<span class="frame-tools"><button type="button" class="btn btn-small" data-frames="expand">Expand all</button> <button type="button" class="btn btn-small" data-frames="collapse">Collapse all</button></span>`;
