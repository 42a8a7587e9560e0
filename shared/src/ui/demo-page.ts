// A style-guide page of every kit component, used by the kit's Chromium test and as a visual reference
// for the services. `hostile` is rendered everywhere a client string can appear; it must stay text.
import { formatNumber, levelClass } from './format.js';
import { html, type SafeHtml, safeUrl } from './html.js';
import { emptyState, timeAgo } from './layout.js';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

export function renderDemoBody(hostile: string, now: number): SafeHtml {
  const rows = LEVELS.map(
    (level, i) => html`<tr data-row>
      <td><span class="badge ${levelClass(level)}">${level}</span></td>
      <td><a href="/demo?row=${i}" data-row-link>${i === 4 ? hostile : `GET /api/rentals/${1000 + i} answered in time`}</a></td>
      <td><span class="label"><span class="label-key">service=</span>${i === 2 ? hostile : 'checkout'}</span></td>
      <td class="num">${formatNumber(12345 * (i + 1) ** 3)}</td>
      <td>${timeAgo(now - (i + 1) * 137_000)}</td>
    </tr>`,
  );
  return html`<div class="page-header"><h1>Kit demo</h1><span class="badge badge-accent">v1</span>
  <div class="actions"><button class="btn" type="button">Export</button><button class="btn btn-primary" type="button">New dashboard</button></div></div>
<div class="toolbar"><input type="search" class="grow mono" data-search placeholder="Search (press /)" value="${hostile}">
  <div class="btn-group"><button class="btn" aria-pressed="true">15 m</button><button class="btn">1 h</button><button class="btn">24 h</button><button class="btn">7 d</button></div></div>
<div class="grid">
  <section class="card span-all"><div class="card-header"><h2>Recent events</h2><span class="live">Live</span></div>
    <div class="table-wrap"><table class="data"><thead><tr><th>Level</th><th>Message</th><th>Labels</th><th class="num">Count</th><th>Seen</th></tr></thead>
    <tbody>${rows}</tbody></table></div></section>
  <section class="card"><div class="card-header"><h2>Stack trace</h2></div>
    <div class="stack"><details class="stack-frame in-app" open><summary>${hostile} <span class="muted">in</span> checkout/cart.py:42</summary>
    <pre class="stack-context">  40  total = 0
  41  for item in cart:
<span class="current">  42      total += item.price / item.qty</span></pre></details>
    <details class="stack-frame"><summary>django/core/handlers/base.py:181</summary></details></div>
    <p class="small muted">Link from a client: <a href="${safeUrl('javascript:alert(1)')}">a javascript: URL made inert</a>.</p>
    <dl class="kv"><dt>trace_id</dt><dd>4bf92f3577b34da6a3ce929d0e0e4736</dd><dt>user</dt><dd>${hostile}</dd></dl></section>
  <section class="card"><div class="card-header"><h2>Forms</h2></div>
    <form class="form-stack"><label>Name <input name="name" value="${hostile}"></label>
    <label>Query <textarea name="q" rows="2">${hostile}</textarea></label>
    <div class="row"><button class="btn btn-primary" type="button">Save</button><button class="btn btn-danger" type="button">Delete</button><span class="spinner"></span></div></form>
    <p class="alert alert-error">Parse error at 1:7: unexpected ${hostile}</p></section>
  <section class="card">${emptyState('No events yet', html`Send your first event:<pre>import sentry_sdk\nsentry_sdk.init(dsn="${hostile}")</pre>`)}</section>
</div>`;
}
