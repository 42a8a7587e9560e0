// The shared page script (served as /assets/ui.js, loaded blocking in <head>): theme first, then on
// DOMContentLoaded relative times, number formatting, keyboard shortcuts. Service bundles may import the
// helpers in ./lib (esbuild inlines them) and listen for the "flowrent:theme" and "flowrent:timezone" events.
import { bindKeys } from './lib/keys.js';
import { renderNumbers } from './lib/numbers.js';
import { applyStoredTheme, bindThemeToggle } from './lib/theme.js';
import { adoptStoredTimeZone, bindTimeZoneToggle, renderTimes } from './lib/times.js';

const RELATIVE_REFRESH_MS = 30_000;

applyStoredTheme();
adoptStoredTimeZone();

function start(): void {
  bindThemeToggle(document);
  bindTimeZoneToggle(document);
  renderTimes(document);
  renderNumbers(document);
  bindKeys();
  setInterval(() => renderTimes(document), RELATIVE_REFRESH_MS);
  // Pages that insert rows later can ask for times/numbers to be rendered again.
  document.addEventListener('flowrent:content', (event) => {
    const root = event.target instanceof Element ? event.target : document;
    renderTimes(root);
    renderNumbers(root);
  });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
