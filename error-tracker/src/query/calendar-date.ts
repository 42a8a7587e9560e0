// Whether the date and time fields written in an RFC 3339-like text exist (RFC 3339 5.7: the day
// is bounded by its month and year, hours 00-23): Date.parse rolls "2027-02-30" over to March 2nd
// and "T24:00" to the next day, so an impossible date read as another one. Text that does not
// start with a date (epoch seconds, a relative time) is not this function's to judge.
const DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)(?:[Tt ](\d\d):(\d\d)(?::(\d\d))?)?/;

export function hasRealCalendarFields(text: string): boolean {
  const m = DATE_TIME.exec(text);
  if (!m) return true;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return false;
  if (m[4] === undefined) return true;
  return Number(m[4]) <= 23 && Number(m[5]) <= 59 && (m[6] === undefined || Number(m[6]) <= 59);
}
