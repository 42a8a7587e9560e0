// Tokenizer for the issue search language, after Sentry's search syntax (docs.sentry.io "Search",
// 2024): `key:value`, `key:"quoted value"` with `\"` and `\\` escapes (any other backslash is
// literal, as in Sentry's quoted_value: `"C:\dir\file"` is that path), `key:[a, "b c"]` lists,
// `!key:value` or `-key:value` negation, `"any key":value` for keys with spaces, colons or
// quotes (a quoted key is always a tag key, never a built-in such as is: or has:), and free text
// (words or "quoted phrases"). Pure.
// A hand-written scanner rather than a regex split: a quoted value may hold spaces, and a bad
// query must fail with the position of its first error rather than be guessed at.

export class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

/** A malformed query (e.g. an unterminated quote); `position` is the 0-based offset of the fault. */
export class QuerySyntaxError extends QueryError {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = 'QuerySyntaxError';
  }
}

export type SearchToken =
  | { kind: 'text'; value: string; position: number }
  | {
      kind: 'term';
      key: string;
      /** Written `"key":…`: a tag key taken literally. */
      quotedKey: boolean;
      values: string[];
      list: boolean;
      negated: boolean;
      position: number;
    };

// A key starts with a letter or `_` so that times ("10:30") and ids stay free text.
const KEY = /([!-]?)([\p{L}_][\p{L}\p{N}_.@-]*):/uy;
const PLAIN_KEY = /^[\p{L}_][\p{L}\p{N}_.@-]*$/u;
const WORD = /[^\s]+/y;
const LIST_ITEM = /[^\s,\]"]+/y;

export function tokenizeSearch(query: string): SearchToken[] {
  const tokens: SearchToken[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < query.length && /\s/.test(query[i])) i++;
  };
  const atBoundary = () => i >= query.length || /\s/.test(query[i]);
  const expectBoundary = () => {
    if (!atBoundary()) throw new QuerySyntaxError('expected a space after the closing quote', i);
  };
  const quoted = (): string => {
    const open = i++;
    let value = '';
    while (i < query.length) {
      const c = query[i++];
      if (c === '"') return value;
      if (c === '\\' && (query[i] === '"' || query[i] === '\\')) value += query[i++];
      else value += c;
    }
    throw new QuerySyntaxError('unterminated quote: the " is never closed', open);
  };
  const match = (re: RegExp): RegExpExecArray | null => {
    re.lastIndex = i;
    const m = re.exec(query);
    if (m) i = re.lastIndex;
    return m;
  };
  const list = (): string[] => {
    const open = i++;
    const values: string[] = [];
    for (;;) {
      skipSpace();
      if (i >= query.length) throw new QuerySyntaxError('unterminated list: the [ is never closed', open);
      const item = query[i] === '"' ? quoted() : match(LIST_ITEM)?.[0];
      if (item === undefined) throw new QuerySyntaxError('expected a value in the list', i);
      values.push(item);
      skipSpace();
      if (query[i] === ']') {
        i++;
        return values;
      }
      if (query[i] !== ',') {
        if (i >= query.length) throw new QuerySyntaxError('unterminated list: the [ is never closed', open);
        throw new QuerySyntaxError("expected ',' or ']' in the list", i);
      }
      i++;
    }
  };

  const value = (term: Omit<SearchToken & { kind: 'term' }, 'values' | 'list'>) => {
    if (query[i] === '"') {
      tokens.push({ ...term, values: [quoted()], list: false });
      expectBoundary();
    } else if (query[i] === '[') {
      tokens.push({ ...term, values: list(), list: true });
      expectBoundary();
    } else {
      tokens.push({ ...term, values: [match(WORD)?.[0] ?? ''], list: false });
    }
  };

  for (skipSpace(); i < query.length; skipSpace()) {
    const position = i;
    const sign = /[!-]/.test(query[i]) && query[i + 1] === '"' ? 1 : 0;
    if (query[i + sign] === '"') {
      i += sign;
      let text: string;
      try {
        text = quoted();
      } catch (err) {
        if (!sign) throw err;
        // `-"x` with no closing quote is a word, as before quoted keys existed
        i = position;
        tokens.push({ kind: 'text', value: match(WORD)?.[0] ?? '', position });
        continue;
      }
      if (query[i] === ':') {
        i++;
        if (atBoundary()) throw new QuerySyntaxError('expected a value after the quoted key', i);
        value({ kind: 'term', key: text, quotedKey: true, negated: sign === 1, position });
        continue;
      }
      if (sign) {
        // `-"phrase"` is not a term: read it as words, as before quoted keys existed
        i = position;
        tokens.push({ kind: 'text', value: match(WORD)?.[0] ?? '', position });
        continue;
      }
      tokens.push({ kind: 'text', value: text, position });
      expectBoundary();
      continue;
    }
    const key = match(KEY);
    // `key:` followed by nothing, and URLs (`https://…`), are free text.
    if (!key || atBoundary() || /^https?$/i.test(key[2])) {
      i = position;
      tokens.push({ kind: 'text', value: match(WORD)?.[0] ?? '', position });
      continue;
    }
    value({ kind: 'term', key: key[2], quotedKey: false, negated: key[1] !== '', position });
  }
  return tokens;
}

/** A tag value written so the search reads it back as exactly this value: quoted, backslashes and
 * quotes escaped, when needed; `*` escaped, else it is a wildcard. */
export function formatSearchValue(value: string): string {
  const v = value.replace(/\*/g, '\\*');
  return v === '' || /[\s"]|\\(?!\*)|^\[/.test(v) ? `"${v.replace(/\\(?!\*)|"/g, '\\$&')}"` : v;
}

/**
 * A search value's literal parts around its `*` wildcards (`\*` is a literal asterisk): one part
 * when it has no wildcard. As Sentry's SearchValue.is_wildcard(); the store turns parts into a
 * pattern of its own syntax.
 */
export function wildcardParts(value: string): string[] {
  return value.split(/(?<!\\)\*/).map((part) => part.replaceAll('\\*', '*'));
}

/** A tag key written so tokenizeSearch() reads it back whole: quoted unless it is a plain word. */
export function formatSearchKey(key: string, quote = false): string {
  return quote || !PLAIN_KEY.test(key) ? `"${key.replace(/[\\"]/g, '\\$&')}"` : key;
}
