// Light/dark theme: follows prefers-color-scheme until the person picks one; the choice lives in localStorage.
const THEME_KEY = 'flowrent.theme';

function storedTheme(): 'light' | 'dark' | null {
  try {
    const v = localStorage.getItem(THEME_KEY);
    return v === 'light' || v === 'dark' ? v : null;
  } catch {
    return null;
  }
}

export function currentTheme(): 'light' | 'dark' {
  const forced = document.documentElement.dataset.theme;
  if (forced === 'light' || forced === 'dark') return forced;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Runs before first paint (ui.js is a blocking script in <head>) so a stored choice never flashes. */
export function applyStoredTheme(): void {
  const theme = storedTheme();
  if (theme) document.documentElement.dataset.theme = theme;
}

export function toggleTheme(): void {
  const next = currentTheme() === 'dark' ? 'light' : 'dark';
  document.documentElement.dataset.theme = next;
  try {
    localStorage.setItem(THEME_KEY, next);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  document.dispatchEvent(new CustomEvent('flowrent:theme', { detail: next }));
}

export function bindThemeToggle(root: ParentNode): void {
  for (const button of root.querySelectorAll<HTMLElement>('[data-theme-toggle]')) {
    button.addEventListener('click', toggleTheme);
  }
}
