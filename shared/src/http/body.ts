// Request bodies: Content-Encoding decoding with the decompressed size capped (a zip bomb stops at
// the cap instead of filling memory), and JSON parsing that reports where the syntax broke.
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ParseError, TooLarge, UnsupportedMediaType } from '../errors.js';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const brotli = promisify(zlib.brotliDecompress);

export const DECODABLE_ENCODINGS = ['identity', 'gzip', 'x-gzip', 'deflate', 'br'] as const;

function isOutputTooLarge(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError;
}

/** A Content-Encoding a service decodes itself (e.g. the log viewer's zstd), within the cap. */
export type BodyDecoder = (body: Buffer, maxDecodedBytes: number) => Buffer;

/**
 * Undoes `encoding` (one value of Content-Encoding; stacked encodings are applied right to left).
 * `passThrough` lists encodings the route decodes itself (e.g. snappy for remote_write); `decoders`
 * adds encodings by name (they throw TooLarge or ParseError themselves).
 */
export async function decodeBody(
  body: Buffer,
  contentEncoding: string | undefined,
  maxDecodedBytes: number,
  passThrough: readonly string[] = [],
  decoders: Readonly<Record<string, BodyDecoder>> = {},
): Promise<Buffer> {
  const encodings = (contentEncoding ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e && e !== 'identity')
    .reverse();
  let out = body;
  for (const encoding of encodings) {
    if (passThrough.includes(encoding)) continue;
    if (Object.hasOwn(decoders, encoding)) {
      out = decoders[encoding](out, maxDecodedBytes);
      continue;
    }
    const options = { maxOutputLength: maxDecodedBytes };
    try {
      if (encoding === 'gzip' || encoding === 'x-gzip') out = await gunzip(out, options);
      else if (encoding === 'br') out = await brotli(out, options);
      else if (encoding === 'deflate') {
        // RFC 9110 says zlib-wrapped, but several clients send raw deflate: accept both.
        out = await inflate(out, options).catch((err) => {
          if (isOutputTooLarge(err)) throw err;
          return inflateRaw(out, options);
        });
      } else
        throw new UnsupportedMediaType(`unsupported Content-Encoding ${JSON.stringify(encoding)}`, {
          // a route may pass through encodings this function also decodes (the error tracker does)
          supported: [...new Set([...DECODABLE_ENCODINGS, ...Object.keys(decoders), ...passThrough])],
        });
    } catch (err) {
      if (err instanceof UnsupportedMediaType) throw err;
      if (isOutputTooLarge(err))
        throw new TooLarge(`decompressed body exceeds ${maxDecodedBytes} bytes`, {
          limit_bytes: maxDecodedBytes,
        });
      throw new ParseError(`body is not valid ${encoding} data: ${(err as Error).message}`);
    }
  }
  if (out.length > maxDecodedBytes)
    throw new TooLarge(`body exceeds ${maxDecodedBytes} bytes`, { limit_bytes: maxDecodedBytes });
  return out;
}

/** JSON.parse with a ParseError that carries line, column and offset of the failure. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // V8 names the position for some errors only, so find it with a scan of our own (slow path only).
    const offset = jsonErrorOffset(text);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    throw new ParseError(
      `malformed JSON at line ${line} column ${column}: ${(err as Error).message.split('\n')[0]}`,
      {
        position: { offset, line, column },
      },
    );
  }
}

/** Offset of the first character where `text` stops being valid JSON (RFC 8259). */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') fail();
    i += (m as RegExpExecArray)[0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (ch === '"') string();
    else if (ch === 't') literal('true');
    else if (ch === 'f') literal('false');
    else if (ch === 'n') literal('null');
    else if (ch === '-' || (ch >= '0' && ch <= '9')) number();
    else fail();
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return text.length;
  } catch (pos) {
    if (typeof pos === 'number') return Math.min(pos, text.length);
    throw pos;
  }
}
