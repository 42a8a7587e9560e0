// The log explorer's browser script: histogram, expand/collapse, context, load more, live tail,
// query history and saved searches. Everything from the server is inserted as text (see logs/dom.ts).
import './logs.css';
import { apiFetch, apiJson } from '@flowrent/shared/ui/client/lib/api';
import type { PageState } from '../filter-query.js';
import { pageUrl } from '../filter-query.js';
import { announceContent, h } from './logs/dom.js';
import { loadHistogram } from './logs/histogram.js';
import { fillHistory, rememberQuery } from './logs/history.js';
import { type RecordJson, type RowContext, renderRow } from './logs/rows.js';
import { withLocalZone } from './logs/local-zone.js';
import { LiveTail } from './logs/tail.js';

function start(): void {
  const list = document.querySelector<HTMLElement>('[data-log-list]');
  if (!list) return;
  const state: PageState = {
    query: list.dataset.query ?? '',
    from: list.dataset.from ?? '',
    to: list.dataset.to ?? '',
    live: new URLSearchParams(location.search).get('live') === '1',
  };
  const ctx: RowContext = {
    state,
    errorsUrl: list.dataset.errorsUrl ?? '',
    metricsUrl: list.dataset.metricsUrl ?? '',
  };

  const histogram = document.querySelector<HTMLElement>('[data-histogram]');
  if (histogram) void loadHistogram(histogram, state);

  bindQueryForm(state);
  bindRows(list, ctx);
  bindLoadMore(list, ctx);
  bindSaved(state);
  bindLive(list, ctx);
  bindDelete(state);
}

/** Delete by query: a dry-run count first, then an explicit second click that names the count. */
function bindDelete(state: PageState): void {
  const button = document.querySelector<HTMLButtonElement>('[data-delete-matching]');
  const panel = document.querySelector<HTMLElement>('[data-delete-panel]');
  if (!button || !panel) return;
  type DeleteAnswer = { data: { matched: number; deleted: number } };
  const request = (dryRun: boolean) =>
    apiJson<DeleteAnswer>('/api/logs/delete', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: state.query.trim() || '*',
        from: state.from,
        to: state.to,
        dry_run: dryRun,
      }),
    });
  button.addEventListener('click', async () => {
    panel.hidden = false;
    panel.replaceChildren(h('p', { class: 'small muted' }, 'Counting…'));
    try {
      const { data } = await request(true);
      const confirm = h(
        'button',
        { type: 'button', class: 'btn btn-small btn-danger', 'data-confirm-delete': '' },
        `Delete ${data.matched.toLocaleString('en-US')} lines`,
      );
      const cancel = h('button', { type: 'button', class: 'btn btn-small' }, 'Cancel');
      cancel.addEventListener('click', () => {
        panel.hidden = true;
      });
      confirm.addEventListener('click', async () => {
        const done = await request(false);
        panel.replaceChildren(
          h(
            'p',
            { class: 'alert alert-info', 'data-deleted': String(done.data.deleted) },
            `Deleted ${done.data.deleted.toLocaleString('en-US')} lines. Reload to see what is left.`,
          ),
        );
      });
      panel.replaceChildren(
        h(
          'p',
          { class: 'alert alert-warn' },
          `${data.matched.toLocaleString('en-US')} lines match “${state.query || '*'}” in this time range. Deleting cannot be undone.`,
        ),
        data.matched > 0 ? confirm : '',
        ' ',
        cancel,
      );
    } catch (err) {
      panel.replaceChildren(h('p', { class: 'alert alert-error' }, (err as Error).message));
    }
  });
}

function bindQueryForm(state: PageState): void {
  const form = document.querySelector<HTMLFormElement>('[data-query-form]');
  const datalist = document.querySelector<HTMLDataListElement>('#query-history');
  if (datalist) fillHistory(datalist);
  form?.addEventListener('submit', () => {
    const input = form.querySelector<HTMLInputElement>('input[name="query"]');
    if (input) rememberQuery(input.value);
    // the range boxes sit outside the form element (form="query-form"): its elements list has them
    for (const el of Array.from(form.elements))
      if (el instanceof HTMLInputElement && (el.name === 'from' || el.name === 'to'))
        el.value = withLocalZone(el.value);
  });
  for (const example of document.querySelectorAll<HTMLElement>('[data-example]')) {
    example.addEventListener('click', () => {
      const input = form?.querySelector<HTMLInputElement>('input[name="query"]');
      if (!input) return;
      input.value = example.textContent ?? '';
      input.focus();
    });
  }
  void state;
}

function bindRows(list: HTMLElement, ctx: RowContext): void {
  list.addEventListener('click', (event) => {
    const target = event.target as Element;
    const expand = target.closest<HTMLElement>('[data-row-link]');
    if (expand) {
      event.preventDefault();
      toggleDetails(expand);
      return;
    }
    if (target.closest('a, button, summary, input')) {
      const contextButton = target.closest<HTMLButtonElement>('[data-context]');
      if (contextButton) void showContext(contextButton, ctx);
      return;
    }
    if (window.getSelection()?.toString()) return; // selecting text is not a click
    toggleDetails(target);
  });
}

function toggleDetails(inside: Element): void {
  const summary = inside.closest('[data-toggle]');
  const details = summary?.parentElement?.querySelector<HTMLElement>(':scope > .log-details');
  if (!details) return;
  details.hidden = !details.hidden;
  summary?.classList.toggle('is-open', !details.hidden);
}

async function showContext(button: HTMLButtonElement, ctx: RowContext): Promise<void> {
  const row = button.closest<HTMLElement>('[data-row]');
  const slot = row?.querySelector<HTMLElement>('[data-context-slot]');
  if (!row || !slot) return;
  button.disabled = true;
  try {
    type Context = { data: { before: RecordJson[]; anchor: RecordJson; after: RecordJson[] } };
    const params = new URLSearchParams({
      time_ns: row.dataset.timeNs ?? '',
      seq: row.dataset.seq ?? '',
      before: '10',
      after: '10',
    });
    let scope = 'same stream';
    let body = await apiJson<Context>(`/api/logs/context?${params}`);
    if (body.data.before.length + body.data.after.length === 0) {
      // a stream of one line: widen to the whole service
      params.set('scope', 'service');
      scope = 'same service';
      body = await apiJson<Context>(`/api/logs/context?${params}`);
    }
    const line = (r: RecordJson, anchor = false) => {
      const el = renderRow(r, ctx);
      if (anchor) el.classList.add('context-anchor');
      return el;
    };
    const ol = h('ol', { class: 'log-list context-list' });
    ol.append(
      ...body.data.before.map((r) => line(r)),
      line(body.data.anchor, true),
      ...body.data.after.map((r) => line(r)),
    );
    slot.replaceChildren(
      h(
        'p',
        { class: 'small muted' },
        `${body.data.before.length} before, ${body.data.after.length} after, ${scope}`,
      ),
      ol,
    );
    announceContent(slot);
  } catch (err) {
    slot.replaceChildren(h('p', { class: 'alert alert-error' }, (err as Error).message));
  } finally {
    button.disabled = false;
  }
}

function bindLoadMore(list: HTMLElement, ctx: RowContext): void {
  const button = document.querySelector<HTMLButtonElement>('[data-load-more]');
  button?.addEventListener('click', async () => {
    button.disabled = true;
    const { state } = ctx;
    const params = new URLSearchParams({
      query: state.query,
      from: state.from,
      to: state.to,
      limit: '100',
      cursor: button.dataset.cursor ?? '',
    });
    try {
      const body = await apiJson<{ data: RecordJson[]; next_cursor: string | null }>(`/api/logs?${params}`);
      const rows = body.data.map((r) => renderRow(r, ctx));
      list.append(...rows);
      for (const r of rows) announceContent(r);
      if (body.next_cursor) button.dataset.cursor = body.next_cursor;
      else button.remove();
      const count = document.querySelector('[data-result-count]');
      if (count) count.textContent = `${list.children.length}${body.next_cursor ? '+' : ''} shown`;
    } finally {
      button.disabled = false;
    }
  });
}

function bindSaved(state: PageState): void {
  const form = document.querySelector<HTMLFormElement>('[data-save-search]');
  form?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = new FormData(form).get('name');
    try {
      await apiJson('/api/saved-searches', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, query: state.query, from: state.from, to: state.to }),
      });
      location.reload();
    } catch (err) {
      // One alert, the latest: a second failure stacked a copy under the first.
      form.querySelector('[data-save-error]')?.remove();
      form.append(
        h('p', { class: 'alert alert-error small', 'data-save-error': '' }, (err as Error).message),
      );
    }
  });
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-delete-saved]')) {
    button.addEventListener('click', async () => {
      const res = await apiFetch(
        `/api/saved-searches/${encodeURIComponent(button.dataset.deleteSaved ?? '')}`,
        { method: 'DELETE' },
      );
      if (res.ok) button.closest('li')?.remove();
    });
  }
}

function bindLive(list: HTMLElement, ctx: RowContext): void {
  const toggle = document.querySelector<HTMLButtonElement>('[data-live-toggle]');
  const status = document.querySelector<HTMLElement>('[data-live-status]');
  if (!toggle || !status) return;
  const tail = new LiveTail(list, status, ctx);
  const set = (on: boolean) => {
    if (on) tail.start();
    else tail.stop();
    toggle.setAttribute('aria-pressed', String(on));
    ctx.state.live = on;
    history.replaceState(null, '', pageUrl(ctx.state));
  };
  toggle.addEventListener('click', () => set(!tail.running));
  if (ctx.state.live) set(true);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
