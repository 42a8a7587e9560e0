// Calendar fields of a sample value as Prometheus 2.42's date functions compute them:
// time.Unix(int64(v), 0).UTC(). int64(v) truncates, and NaN, ±Inf and values past int64 become
// math.MinInt64 (amd64's conversion); Go then works on uint64 "absolute" seconds, where that value
// wraps to 292277026596-12-04 15:30:08. JavaScript's Date covers ±8.64e12 s; past it the fields
// come from Go's absDate (time.go of Go 1.19) in BigInt.

export interface GoDate {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  /** 1-366 */
  yday: number;
  /** 0 = Sunday */
  weekday: number;
  hour: number;
  minute: number;
}

const DATE_LIMIT_S = 8.64e12;
const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
/** unixToInternal + internalToAbsolute: Unix seconds to seconds since Jan 1 of year -292277022399. */
const UNIX_TO_ABSOLUTE = 9_223_372_028_715_321_600n;
const ABSOLUTE_ZERO_YEAR = -292_277_022_399;
const MIN_INT64 = -(2n ** 63n);
const U64 = 2n ** 64n;

export const isLeap = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : DAYS_BEFORE[month] - DAYS_BEFORE[month - 1];
}

function yearDay(year: number, month: number, day: number): number {
  return DAYS_BEFORE[month - 1] + day + (month > 2 && isLeap(year) ? 1 : 0);
}

export function goUtcDate(v: number): GoDate {
  const inInt64 = Number.isFinite(v) && Math.abs(v) < 2 ** 63;
  const s = inInt64 ? Math.trunc(v) : 0;
  if (inInt64 && Math.abs(s) <= DATE_LIMIT_S) {
    const d = new Date(s * 1000);
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    return {
      year,
      month,
      day,
      yday: yearDay(year, month, day),
      weekday: d.getUTCDay(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
    };
  }
  const sec = inInt64 ? BigInt(s) : MIN_INT64;
  return absDate((((sec + UNIX_TO_ABSOLUTE) % U64) + U64) % U64);
}

/** Go's absDate, absWeekday, Hour and Minute over uint64 absolute seconds. */
function absDate(abs: bigint): GoDate {
  let d = abs / 86_400n;
  let n = d / 146_097n;
  let y = 400n * n;
  d -= 146_097n * n;
  n = d / 36_524n;
  n -= n >> 2n;
  y += 100n * n;
  d -= 36_524n * n;
  n = d / 1461n;
  y += 4n * n;
  d -= 1461n * n;
  n = d / 365n;
  n -= n >> 2n;
  y += n;
  d -= 365n * n;
  const year = Number(y) + ABSOLUTE_ZERO_YEAR;
  const yday0 = Number(d);
  let day = yday0;
  let month: number;
  if (isLeap(year) && day === 31 + 29 - 1) {
    month = 2;
    day = 29;
  } else {
    if (isLeap(year) && day > 31 + 29 - 1) day--;
    month = Math.floor(day / 31);
    const end = DAYS_BEFORE[month + 1];
    let begin: number;
    if (day >= end) {
      month++;
      begin = end;
    } else begin = DAYS_BEFORE[month];
    month++;
    day = day - begin + 1;
  }
  return {
    year,
    month,
    day,
    yday: yday0 + 1,
    // absWeekday: the absolute epoch began on a Monday.
    weekday: Number(((abs + 86_400n) % 604_800n) / 86_400n),
    hour: Number((abs % 86_400n) / 3600n),
    minute: Number((abs % 3600n) / 60n),
  };
}
