// Server-side HTML: a tagged template that escapes every interpolation unless it is already SafeHtml.
// Everything a client sent is text; `raw()` exists only for our own constants (never for request data).

const SAFE = Symbol('SafeHtml');

export interface SafeHtml {
  readonly [SAFE]: true;
  readonly value: string;
  toString(): string;
}

/** Anything that may be interpolated: text is escaped, SafeHtml kept, arrays joined, nullish/false dropped. */
export type HtmlValue =
  | SafeHtml
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | readonly HtmlValue[];

function makeSafe(value: string): SafeHtml {
  return { [SAFE]: true, value, toString: () => value };
}

export function isSafeHtml(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && (value as { [SAFE]?: unknown })[SAFE] === true;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
  '=': '&#61;',
};

/** Escapes text for both element content and quoted or unquoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`=]/g, (c) => ESCAPES[c]!);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (isSafeHtml(value)) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** `html\`<p>${userText}</p>\`` → SafeHtml with every interpolation escaped. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return makeSafe(out);
}

/** Marks one of OUR OWN constant strings as HTML. Never pass request data here. */
export function raw(trustedConstant: string): SafeHtml {
  return makeSafe(trustedConstant);
}

/** Joins fragments with an optional (trusted, constant) separator. */
export function joinHtml(parts: readonly HtmlValue[], separator = ''): SafeHtml {
  return makeSafe(parts.map(render).join(separator));
}

const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/**
 * A URL from a client, made safe for an href/src: relative URLs and http(s)/mailto pass, anything else
 * (javascript:, data:, vbscript:, obfuscated with control characters or entities) becomes `fallback`.
 * The result still needs attribute escaping, which `html` does.
 */
export function safeUrl(url: string | null | undefined, fallback = '#'): string {
  if (typeof url !== 'string') return fallback;
  // Browsers strip leading C0 controls/spaces and ignore tabs/newlines inside the scheme.
  const cleaned = url.replace(/^[\u0000-\u0020]+/, '').replace(/[\t\n\r]/g, '');
  if (cleaned === '') return fallback;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(cleaned);
  if (!scheme) {
    // No scheme: relative URL. A backslash prefix can act like "//" in browsers; keep it path-like.
    return cleaned.startsWith('\\') ? fallback : cleaned;
  }
  return SAFE_SCHEMES.has(scheme[1]!.toLowerCase() + ':') ? cleaned : fallback;
}

/** A same-origin path for redirects after sign-in ("/x?y"), never "//evil" or "/\\evil". */
export function safeLocalPath(path: string | null | undefined, fallback = '/'): string {
  if (typeof path !== 'string' || !path.startsWith('/')) return fallback;
  if (path.startsWith('//') || path.startsWith('/\\') || /[\u0000-\u001f]/.test(path)) return fallback;
  return path;
}
