// Which of two releases is newer, as Sentry decides "resolved in next release" (GroupResolution.
// has_resolution, 2024-2026): by version when both parse as versions (`package@version` or a bare
// version), else by when each was first seen. Versions are Relay's release versions: 1 to 4 numeric
// components (missing ones are 0: `1.0` is `1.0.0`), then semver 2.0.0's pre-release and build
// metadata (semver.org §9-§11): a pre-release is older than its release; pre-release identifiers
// compare left to right, numeric ones as numbers and below alphanumeric ones, a shorter list below
// a longer one that starts with it; build metadata does not count. The package is not compared
// (Sentry compares the versions alone): `a@2.0.0` is newer than `b@1.0.0`.

export interface ReleaseVersion {
  /** major, minor, patch, revision */
  numbers: [number, number, number, number];
  /** pre-release identifiers; empty for a release */
  pre: string[];
}

const NUMERIC = /^(0|[1-9]\d*)$/;
const IDENT = '[0-9A-Za-z-]+';
const VERSION = new RegExp(
  `^(0|[1-9]\\d*)(?:\\.(0|[1-9]\\d*))?(?:\\.(0|[1-9]\\d*))?(?:\\.(0|[1-9]\\d*))?(?:-(${IDENT}(?:\\.${IDENT})*))?(?:\\+${IDENT}(?:\\.${IDENT})*)?$`,
);

/** The version of a release (`package@version` or a bare version), or null when it is not one. */
export function parseReleaseVersion(release: string): ReleaseVersion | null {
  const at = release.lastIndexOf('@');
  const m = VERSION.exec(at > 0 ? release.slice(at + 1) : release);
  if (!m) return null;
  const numbers = [m[1], m[2], m[3], m[4]].map((n) => (n === undefined ? 0 : Number(n)));
  if (!numbers.every(Number.isSafeInteger)) return null;
  const pre = m[5] === undefined ? [] : m[5].split('.');
  // semver §9: numeric identifiers have no leading zeros
  if (pre.some((id) => /^\d+$/.test(id) && !NUMERIC.test(id))) return null;
  return { numbers: numbers as ReleaseVersion['numbers'], pre };
}

/** < 0 when `a` is older than `b`, 0 when they have the same precedence, > 0 when newer. */
export function compareVersions(a: ReleaseVersion, b: ReleaseVersion): number {
  for (let i = 0; i < 4; i++) if (a.numbers[i] !== b.numbers[i]) return a.numbers[i] - b.numbers[i];
  if (a.pre.length === 0 || b.pre.length === 0) return b.pre.length - a.pre.length;
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i];
    const y = b.pre[i];
    if (x === y) continue;
    const xNum = NUMERIC.test(x);
    const yNum = NUMERIC.test(y);
    // by length, then digit by digit (no leading zeros): Number() rounds identifiers past 2^53, and
    // two of them that round alike were each newer than the other
    if (xNum && yNum) return x.length !== y.length ? x.length - y.length : x < y ? -1 : 1;
    if (xNum !== yNum) return xNum ? -1 : 1;
    return x < y ? -1 : 1; // ASCII order
  }
  return a.pre.length - b.pre.length;
}

/**
 * Whether an event's release is newer than the one an issue was resolved in ("next release"):
 * by version when both are versions, else by first-seen time (a release never seen is newer).
 * A release with the same version precedence (`1.0.0+a` and `1.0.0+b`) is not newer.
 */
export function isNewerRelease(
  release: string,
  resolvedIn: string,
  firstSeen: (release: string) => number | undefined,
): boolean {
  if (release === resolvedIn) return false;
  const version = parseReleaseVersion(release);
  const resolvedVersion = version && parseReleaseVersion(resolvedIn);
  if (version && resolvedVersion) return compareVersions(version, resolvedVersion) > 0;
  const eventFirst = firstSeen(release);
  if (eventFirst === undefined) return true;
  const resolvedFirst = firstSeen(resolvedIn);
  return resolvedFirst === undefined || eventFirst > resolvedFirst;
}
