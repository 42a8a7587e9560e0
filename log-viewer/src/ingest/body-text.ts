/**
 * A request body as text, without a leading UTF-8 byte order mark: files written by Windows tools
 * (PowerShell 5's `Out-File -Encoding utf8`, Notepad, .NET's default UTF8Encoding) start with one, and
 * `curl --data-binary @file` sends it as is. Every JSON and NDJSON route reads its body through here,
 * so all of them take such a body alike (JSON.parse refuses the mark).
 */
export function bodyText(body: Uint8Array): string {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
