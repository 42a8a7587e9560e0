// Keyboard habits shared by all pages: "/" focuses the search box, Esc clears it, j/k move through rows
// marked with [data-row], Enter opens the selected row (its [data-row-link], first link, or data-href).

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return (
    target.isContentEditable ||
    /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) ||
    !!target.closest('.cm-editor')
  );
}

function searchBox(): HTMLElement | null {
  // A [data-search] host with a shadow root (delegatesFocus) forwards focus() to its editor.
  return (
    document.querySelector<HTMLElement>('[data-search]') ??
    document.querySelector<HTMLElement>('input[type="search"]')
  );
}

function rows(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>('[data-row]')].filter((r) => r.offsetParent !== null);
}

export function moveSelection(delta: number): HTMLElement | undefined {
  const list = rows();
  if (list.length === 0) return undefined;
  const current = list.findIndex((r) => r.classList.contains('is-selected'));
  const next =
    current < 0 ? (delta > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, current + delta));
  list[current]?.classList.remove('is-selected');
  const row = list[next]!;
  row.classList.add('is-selected');
  row.scrollIntoView({ block: 'nearest' });
  return row;
}

export function openSelected(): boolean {
  const row = document.querySelector<HTMLElement>('[data-row].is-selected');
  if (!row) return false;
  const link =
    row.querySelector<HTMLAnchorElement>('a[data-row-link]') ??
    row.querySelector<HTMLAnchorElement>('a[href]');
  if (link) {
    link.click();
    return true;
  }
  if (row.dataset.href) {
    // Only http(s): a data-href must never become a javascript: navigation.
    const url = new URL(row.dataset.href, location.href);
    if (url.protocol === 'http:' || url.protocol === 'https:') location.assign(url.href);
    return true;
  }
  row.click();
  return true;
}

export function bindKeys(): void {
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    // The real target even inside a shadow root (the PromQL editor lives in one).
    const target = event.composedPath()[0] ?? event.target;
    if (event.key === 'Escape') {
      if (target instanceof HTMLInputElement && target.matches('[data-search], input[type="search"]')) {
        target.value = '';
        target.blur();
        target.dispatchEvent(new Event('input', { bubbles: true }));
      } else {
        document.querySelector('[data-row].is-selected')?.classList.remove('is-selected');
      }
      return;
    }
    if (isTyping(target)) return;
    if (event.key === '/') {
      const box = searchBox();
      if (box) {
        event.preventDefault();
        box.focus();
        if (box instanceof HTMLInputElement) box.select();
      }
    } else if (event.key === 'j' || event.key === 'k') {
      if (moveSelection(event.key === 'j' ? 1 : -1)) event.preventDefault();
    } else if (event.key === 'Enter') {
      if (openSelected()) event.preventDefault();
    }
  });
}
