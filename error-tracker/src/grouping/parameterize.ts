// Replaces the variable parts of a message or exception value with placeholders so that
// "user 42 not found" and "user 43 not found" group together. Order matters: urls and emails
// before paths, uuids before hex, hex before ids and numbers.
const RULES: [RegExp, string][] = [
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>)]+/gi, '<url>'],
  [/\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b/g, '<email>'],
  [/\b[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b\d{1,3}(\.\d{1,3}){3}\b/g, '<ip>'],
  [/(?:[A-Za-z]:\\|\\\\)[^\s'"]+|(?<![\w.:/])(?:\.{0,2}\/[\w.@-]+)+\/?|\b[\w.@-]+(?:\/[\w.@-]+)+/g, '<path>'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<hex>'],
  [/\b(?=[A-Za-z_-]*\d)(?=[\d_-]*[A-Za-z])[A-Za-z0-9_-]{6,}\b/g, '<id>'],
  [/-?\b\d+(\.\d+)?\b/g, '<int>'],
];

/** First non-empty line of `text`, with variable parts replaced by placeholders. */
export function parameterize(text: string): string {
  const line =
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? '';
  let out = line;
  for (const [pattern, placeholder] of RULES) out = out.replace(pattern, placeholder);
  return out;
}
