// Browser script of the error tracker's pages (bundled by esbuild to /assets/errors.js). Pages work
// without it; it adds copy buttons, auto-applied filters, frame expand/collapse and event shortcuts.
// The shared /assets/ui.js already handles times, numbers, theme, "/", Esc, j/k and Enter.
// Importing the stylesheet makes esbuild emit /assets/errors.css next to the script.
import './errors.css';

function bindCopyButtons(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-copy]')) {
    button.addEventListener('click', async () => {
      const source = document.getElementById(button.dataset.copy ?? '');
      if (!source) return;
      const text = source.textContent ?? '';
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = 'Copied';
      } catch {
        // Clipboard API needs a secure context; fall back to selecting the text for Ctrl+C.
        const range = document.createRange();
        range.selectNodeContents(source);
        const selection = window.getSelection();
        selection?.removeAllRanges();
        selection?.addRange(range);
        button.textContent = 'Selected';
      }
      setTimeout(() => {
        button.textContent = 'Copy';
      }, 1500);
    });
  }
}

/** Filters are plain GET forms; changing a select applies it at once (the URL stays the state). */
function bindAutoSubmit(): void {
  for (const select of document.querySelectorAll<HTMLSelectElement>('form.search select')) {
    select.addEventListener('change', () => select.form?.requestSubmit());
  }
}

function bindFrameToggles(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-frames]')) {
    button.addEventListener('click', () => {
      const open = button.dataset.frames === 'expand';
      const scope = button.closest('section') ?? document;
      for (const d of scope.querySelectorAll<HTMLDetailsElement>('details.stack-frame')) d.open = open;
    });
  }
}

/** On an issue page, "[" and "]" step to the older and newer event. */
function bindEventKeys(): void {
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target instanceof HTMLElement && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    const key = event.key === '[' ? 'older' : event.key === ']' ? 'newer' : null;
    if (!key) return;
    const link = document.querySelector<HTMLAnchorElement>(`a[data-key="${key}"]`);
    if (link) link.click();
  });
}

const RECENT_KEY = 'flowrent.errors.recentQueries';
const RECENT_MAX = 8;

function readRecent(): string[] {
  try {
    const list = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(list) ? list.filter((q): q is string => typeof q === 'string') : [];
  } catch {
    return [];
  }
}

/** The search box remembers recent queries (offered as suggestions through a datalist). */
function bindRecentQueries(): void {
  const input = document.querySelector<HTMLInputElement>('form.search input[name="query"]');
  if (!input) return;
  const list = document.createElement('datalist');
  list.id = 'recent-queries';
  for (const q of readRecent()) {
    const option = document.createElement('option');
    option.value = q;
    list.append(option);
  }
  input.after(list);
  input.setAttribute('list', list.id);
  input.form?.addEventListener('submit', () => {
    const q = input.value.trim();
    if (!q) return;
    const recent = [q, ...readRecent().filter((r) => r !== q)].slice(0, RECENT_MAX);
    try {
      localStorage.setItem(RECENT_KEY, JSON.stringify(recent));
    } catch {
      // storage may be disabled; suggestions are a convenience
    }
  });
}

/** The list's header box ticks or clears every row of the page for the bulk form. */
function bindSelectPage(): void {
  for (const all of document.querySelectorAll<HTMLInputElement>('input[data-select-page]')) {
    const rows = () => document.querySelectorAll<HTMLInputElement>('input[type="checkbox"][form="bulk"]');
    all.addEventListener('change', () => {
      for (const box of rows()) box.checked = all.checked;
    });
    document.addEventListener('change', (event) => {
      const target = event.target as HTMLInputElement | null;
      if (target?.form?.id !== 'bulk' || target === all) return;
      const boxes = [...rows()];
      all.checked = boxes.length > 0 && boxes.every((b) => b.checked);
      all.indeterminate = !all.checked && boxes.some((b) => b.checked);
    });
  }
}

function start(): void {
  bindSelectPage();
  bindCopyButtons();
  bindRecentQueries();
  bindAutoSubmit();
  bindFrameToggles();
  bindEventKeys();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
