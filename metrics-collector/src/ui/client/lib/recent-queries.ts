// The last queries run in this browser (localStorage), newest first, without duplicates.
const KEY = 'flowrent.metrics.recent';
const MAX = 12;

export function recentQueries(): string[] {
  try {
    const list = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown;
    return Array.isArray(list) ? list.filter((q): q is string => typeof q === 'string').slice(0, MAX) : [];
  } catch {
    return [];
  }
}

export function rememberQuery(query: string): void {
  const q = query.trim();
  if (!q) return;
  const list = [q, ...recentQueries().filter((x) => x !== q)].slice(0, MAX);
  try {
    localStorage.setItem(KEY, JSON.stringify(list));
  } catch {
    // Storage full or disabled: nothing to remember.
  }
}
