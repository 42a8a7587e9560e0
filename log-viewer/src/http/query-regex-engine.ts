// V8's linear-time regex fallback for the read side (why: src/query/regex-linear.ts). A match that
// backtracks more than REGEX_BACKTRACKS_BEFORE_FALLBACK times at one start position is rerun on
// V8's breadth-first engine, linear in the text. Measured on a line of 'a' x 40,000: `.*x` 1,772 ms
// with the default 50,000 (each start position stays under it: quadratic), 135 ms with 1,000;
// `.*.*.*x` over 1,000 characters > 20 s without the fallback, 42 ms with it. Flags are per process
// and apply to regexes compiled after they are set (ingest's parsers too: they never backtrack that
// much). `--enable-experimental-regexp-engine` only makes the `l` flag known, which the parser uses
// to refuse the patterns that cannot fall back (regex-linear.ts nonLinearRegex()).
import { setFlagsFromString } from 'node:v8';

export const REGEX_BACKTRACKS_BEFORE_FALLBACK = 1_000;

export function boundRegexBacktracking(): void {
  setFlagsFromString('--enable-experimental-regexp-engine');
  setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  setFlagsFromString(`--regexp-backtracks-before-fallback=${REGEX_BACKTRACKS_BEFORE_FALLBACK}`);
}
