// A typed absolute from/to without a zone means the zone the list shows its times in (the browser's),
// as Grafana and Seq read it; the API keeps "no zone = UTC". So the page adds the browser's offset
// at that local time (daylight saving included) before the form is sent.
const ZONELESS = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?$/;

/** Minutes east of UTC in the browser's zone at a local wall-clock time. */
function browserOffset(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  return -new Date(y, mo - 1, d, h, mi, s).getTimezoneOffset();
}

/** `2026-11-27 08:10` → `2026-11-27T08:10+09:00` in Tokyo; anything else (15m, a zoned time) unchanged. */
export function withLocalZone(text: string, offsetMinutes = browserOffset): string {
  const t = text.trim();
  const m = ZONELESS.exec(t);
  if (!m) return text;
  const [, y, mo, d, h = '00', mi = '00', s, frac = ''] = m;
  const offset = offsetMinutes(+y, +mo, +d, +h, +mi, +(s ?? 0));
  const abs = Math.abs(offset);
  const zone = `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${y}-${mo}-${d}T${h}:${mi}${s === undefined ? '' : `:${s}${frac}`}${zone}`;
}
