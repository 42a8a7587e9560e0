// Light/dark theme: follows prefers-color-scheme until the person picks one. The choice is a cookie the
// three services share (the server already put it on <html data-theme>), localStorage the fallback.
import { parseTheme, THEME_COOKIE } from '../../prefs.js';
import { readChoice, writeChoice } from './prefs.js';

const THEME_KEY = 'flowrent.theme';

export function currentTheme(): 'light' | 'dark' {
  const forced = document.documentElement.dataset.theme;
  if (forced === 'light' || forced === 'dark') return forced;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/**
 * Runs before first paint (ui.js is a blocking script in <head>). A choice only this origin's
 * localStorage remembers (kept before the cookie existed) is applied and copied to the cookie, so the
 * other services follow it from now on.
 */
export function applyStoredTheme(): void {
  if (document.documentElement.dataset.theme) return;
  const theme = parseTheme(readChoice(THEME_COOKIE, THEME_KEY));
  if (!theme) return;
  document.documentElement.dataset.theme = theme;
  writeChoice(THEME_COOKIE, THEME_KEY, theme);
}

export function toggleTheme(): void {
  const next = currentTheme() === 'dark' ? 'light' : 'dark';
  document.documentElement.dataset.theme = next;
  writeChoice(THEME_COOKIE, THEME_KEY, next);
  document.dispatchEvent(new CustomEvent('flowrent:theme', { detail: next }));
}

export function bindThemeToggle(root: ParentNode): void {
  for (const button of root.querySelectorAll<HTMLElement>('[data-theme-toggle]')) {
    button.addEventListener('click', toggleTheme);
  }
}
