// fetch() for our own same-origin endpoints, with the session's CSRF token on state-changing requests.
export function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';
}

export async function apiFetch(input: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const method = (init.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') headers.set('X-CSRF-Token', csrfToken());
  headers.set('Accept', headers.get('Accept') ?? 'application/json');
  return fetch(input, { ...init, headers, credentials: 'same-origin' });
}

/** GET/POST JSON, throwing an Error with the server's message for non-2xx answers. */
export async function apiJson<T>(input: string, init: RequestInit = {}): Promise<T> {
  const res = await apiFetch(input, init);
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const b = body as { error?: string | { message?: string } } | undefined;
    const message =
      typeof b?.error === 'string' ? b.error : (b?.error?.message ?? `${res.status} ${res.statusText}`);
    throw new Error(message);
  }
  return body as T;
}
