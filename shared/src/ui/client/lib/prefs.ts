// The theme and time-zone choices in a cookie the three services share (cookies ignore ports), with
// this origin's localStorage as the fallback for a browser that refuses the cookie, and as the place
// older pages kept the choice.
import { cookieValue, prefsCookie } from '../../prefs.js';

export function readChoice(cookie: string, storageKey: string): string | null {
  const fromCookie = cookieValue(document.cookie, cookie);
  if (fromCookie) return fromCookie;
  try {
    return localStorage.getItem(storageKey);
  } catch {
    return null;
  }
}

export function writeChoice(cookie: string, storageKey: string, value: string): void {
  // biome-ignore lint/suspicious/noDocumentCookie: synchronous, so a link clicked right after the toggle carries it (cookieStore.set is async and newer); the value is one of our own words
  document.cookie = prefsCookie(cookie, value, location.protocol === 'https:');
  try {
    localStorage.setItem(storageKey, value);
  } catch {
    // Private mode: the cookie still carries it.
  }
}
