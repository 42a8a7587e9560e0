// Recent queries, remembered in localStorage and offered by the query box (a <datalist>).
const KEY = 'flowrent.logs.history';
const MAX = 20;

export function loadHistory(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((q): q is string => typeof q === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberQuery(query: string): void {
  const q = query.trim();
  if (!q) return;
  const next = [q, ...loadHistory().filter((x) => x !== q)].slice(0, MAX);
  try {
    localStorage.setItem(KEY, JSON.stringify(next));
  } catch {
    // private mode: no history
  }
}

export function fillHistory(list: HTMLDataListElement): void {
  list.replaceChildren(
    ...loadHistory().map((q) => {
      const option = document.createElement('option');
      option.value = q;
      return option;
    }),
  );
}
