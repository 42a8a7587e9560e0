// Stack traces as people read them in Sentry: the last raised exception first, its causes below,
// frames most recent call first, in-app frames emphasized and system frames folded away, each
// frame expandable to its context lines and local variables (plain <details>, so no script needed).
import type { ExceptionView, FrameView, Json } from './event-view.js';
import { html, type SafeHtml } from './html.js';

function renderValue(value: Json): SafeHtml {
  if (typeof value === 'string') return html`<code>${value}</code>`;
  if (value === null || typeof value !== 'object') return html`<code>${JSON.stringify(value)}</code>`;
  return html`<pre class="json">${JSON.stringify(value, null, 2)}</pre>`;
}

export function renderKeyValues(rows: [string, Json][], className = 'kv'): SafeHtml {
  return html`<table class="${className}"><tbody>${rows.map(
    ([k, v]) => html`<tr><th scope="row">${k}</th><td>${renderValue(v)}</td></tr>`,
  )}</tbody></table>`;
}

function renderContext(frame: FrameView): SafeHtml | string {
  if (frame.contextLine === null) return '';
  const first = frame.lineno === null ? 1 : frame.lineno - frame.preContext.length;
  const line = (text: string, cls: string) => html`<li class="${cls}"><code>${text}</code></li>`;
  return html`<ol class="context" start="${Math.max(first, 0)}">${frame.preContext.map((t) => line(t, 'pre'))}${line(
    frame.contextLine,
    'current',
  )}${frame.postContext.map((t) => line(t, 'post'))}</ol>`;
}

function renderFrameTitle(frame: FrameView): SafeHtml {
  const where =
    frame.lineno === null
      ? ''
      : html` at line <b>${frame.lineno}</b>${frame.colno === null ? '' : html`:${frame.colno}`}`;
  return html`<span class="frame-file">${frame.filename || frame.module || '<unknown>'}</span>${
    frame.function ? html` in <span class="frame-fn">${frame.function}</span>` : ''
  }${where}${frame.inApp ? html` <span class="badge in-app-badge">in app</span>` : ''}`;
}

function renderFrame(frame: FrameView, open: boolean): SafeHtml {
  const cls = frame.inApp ? 'frame in-app' : 'frame system';
  const hasBody = frame.contextLine !== null || frame.vars.length > 0;
  if (!hasBody)
    return html`<div class="${cls}"><div class="frame-title">${renderFrameTitle(frame)}</div></div>`;
  const vars =
    frame.vars.length === 0
      ? ''
      : html`<div class="vars"><h4>Local variables</h4>${renderKeyValues(frame.vars, 'kv vars-table')}</div>`;
  return html`<details class="${cls}"${open ? html` open` : ''}><summary class="frame-title">${renderFrameTitle(
    frame,
  )}</summary><div class="frame-body">${renderContext(frame)}${vars}</div></details>`;
}

/** Frames in display order; runs of system frames fold into one expandable group. */
export function renderFrames(frames: FrameView[]): SafeHtml {
  const anyInApp = frames.some((f) => f.inApp);
  const openIndex = anyInApp ? frames.findIndex((f) => f.inApp) : 0;
  const out: SafeHtml[] = [];
  let run: SafeHtml[] = [];
  const flush = () => {
    if (run.length === 0) return;
    out.push(
      run.length > 1
        ? html`<details class="system-frames"><summary>${run.length} system frames</summary>${run}</details>`
        : run[0],
    );
    run = [];
  };
  frames.forEach((frame, i) => {
    const rendered = renderFrame(frame, i === openIndex);
    if (anyInApp && !frame.inApp) run.push(rendered);
    else {
      flush();
      out.push(rendered);
    }
  });
  flush();
  return html`<div class="frames">${out}</div>`;
}

function renderMechanism(m: ExceptionView['mechanism']): SafeHtml | string {
  if (!m) return '';
  const handled =
    m.handled === false
      ? html`<span class="badge unhandled">unhandled</span>`
      : m.handled
        ? html`<span class="badge">handled</span>`
        : '';
  return html`<span class="mechanism">${handled} <span class="muted">mechanism</span> <code>${m.type}</code></span>`;
}

function renderException(e: ExceptionView, index: number): SafeHtml {
  const title = e.type || (e.mechanism?.synthetic ? 'Message' : 'Error');
  return html`<section class="exception">${index > 0 ? html`<p class="caused-by">Caused by</p>` : ''}<h3 class="exception-title"><span class="exc-type">${title}</span>${
    e.value ? html`: <span class="exc-value">${e.value}</span>` : ''
  }</h3>${renderMechanism(e.mechanism)}${
    e.frames.length > 0
      ? html`<p class="muted small">Most recent call first</p>${renderFrames(e.frames)}`
      : html`<p class="muted">No stack trace.</p>`
  }</section>`;
}

/** Chained exceptions: the one that was raised last on top, then "Caused by" each cause. */
export function renderExceptions(exceptions: ExceptionView[]): SafeHtml {
  return html`<div class="exceptions">${exceptions.map(renderException)}</div>`;
}
