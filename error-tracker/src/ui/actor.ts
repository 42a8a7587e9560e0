// Who a status change made in the UI is recorded as. Everyone signs in with the one admin key, so
// the session says nothing about the person: each browser keeps a name of its own in a cookie
// (set on the settings page), self-declared like the API's X-Actor; without one it is "ui".
// Chosen over a name inside the signed session: that token is the shared UI kit's, used by all
// three services, and a name proves no more there than here.
import { parseCookies } from '@flowrent/shared/ui';

export const ACTOR_COOKIE = 'errors_actor';
export const ACTOR_COOKIE_MAX_AGE_SECONDS = 400 * 86_400;
export const MAX_ACTOR_CHARS = 100;
const UNNAMED = 'ui';

/** The name as typed, made fit for the history: no control characters, spaces collapsed, at most
 * 100 characters; '' when nothing is left (the cookie is then cleared). */
export function readActorName(raw: string | undefined): string {
  const name = (raw ?? '')
    .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return [...name].slice(0, MAX_ACTOR_CHARS).join('').trim();
}

/** The actor of a UI action: the browser's name, else "ui". */
export function actorOf(cookieHeader: string | undefined): string {
  return readActorName(parseCookies(cookieHeader).get(ACTOR_COOKIE)) || UNNAMED;
}

/** The name the settings form shows: null when the browser has none. */
export function actorNameOf(cookieHeader: string | undefined): string | null {
  return readActorName(parseCookies(cookieHeader).get(ACTOR_COOKIE)) || null;
}
