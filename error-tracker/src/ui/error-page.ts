// What a browser sees for a 4xx inside the UI: the reason as text and a way back.
import { emptyState } from '@flowrent/shared/ui/layout';
import { html, type SafeHtml } from './html.js';

const TITLES: Record<number, string> = {
  400: 'That request was not understood',
  403: 'That action was refused',
  404: 'Not found',
  422: 'That request was not valid',
};

export function renderErrorPage(status: number, message: string): SafeHtml {
  return html`<div class="card error-page">${emptyState(
    TITLES[status] ?? `Error ${status}`,
    html`<p>${message}</p><p><a class="btn" href="/">Back to the issues</a></p>`,
  )}</div>`;
}
