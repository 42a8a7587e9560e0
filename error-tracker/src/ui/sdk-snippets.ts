// Copy-paste SDK setup for a DSN: the official Sentry SDKs only need the DSN changed.
import { html, type SafeHtml } from './html.js';

export function pythonSnippet(dsn: string): string {
  return `# pip install sentry-sdk
import sentry_sdk

sentry_sdk.init(
    dsn="${dsn}",
    environment="production",
    release="my-app@1.0.0",
    traces_sample_rate=0,
)`;
}

export function nodeSnippet(dsn: string): string {
  return `// npm install @sentry/node
const Sentry = require('@sentry/node');

Sentry.init({
  dsn: '${dsn}',
  environment: 'production',
  release: 'my-app@1.0.0',
});`;
}

/** The DSN with a copy button and both snippets (the copy buttons are wired by the page script). */
export function renderSdkSetup(dsn: string, idPrefix = 'sdk'): SafeHtml {
  return html`<div class="sdk-setup">
<label class="dsn-label">DSN</label>
<div class="copy-row"><code class="dsn" id="${idPrefix}-dsn">${dsn}</code><button type="button" class="btn btn-small copy" data-copy="${idPrefix}-dsn">Copy</button></div>
<div class="snippets">
<div class="snippet"><div class="snippet-head"><h4>Python</h4><button type="button" class="btn btn-small copy" data-copy="${idPrefix}-python">Copy</button></div><pre id="${idPrefix}-python"><code>${pythonSnippet(
    dsn,
  )}</code></pre></div>
<div class="snippet"><div class="snippet-head"><h4>Node.js</h4><button type="button" class="btn btn-small copy" data-copy="${idPrefix}-node">Copy</button></div><pre id="${idPrefix}-node"><code>${nodeSnippet(
    dsn,
  )}</code></pre></div>
</div></div>`;
}
