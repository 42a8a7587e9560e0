// goSprintf against outputs of Prometheus 2.42's templates (promtool test rules; the oracle test
// checks them all when promtool is installed): Go's int and float64, exact ties, hex and binary
// floats.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goSprintf, type TemplateValue } from './template-format.js';

const check = (format: string, args: TemplateValue[], expected: string) =>
  assert.equal(goSprintf(format, args), expected, `${format} ${args.map(String).join(' ')}`);

test('goSprintf() formats ints, floats and exact ties as Go 1.19 fmt', () => {
  check('%s|%d|%d', [5n, 5n, 5], '%!s(int=5)|5|%!d(float64=5)');
  check(
    '%05d|%+d|%x|%X|%o|%b|%c|%q|%U|%T|%T',
    [-42n, 5n, -255n, 255n, 8n, 5n, 97n, 97n, 97n, 5n, 5],
    "-0042|+5|-ff|FF|10|101|a|'a'|U+0061|int|float64",
  );
  check(
    '%.4g|%.2f|%.1e|%.0f|%.0f|%.3g|%g|%.1f|%.2e',
    [10.125, 0.125, 2.25, 0.5, 1.5, 1.0625e10, 1e21, -0.25, 1e-310],
    '10.12|0.12|2.2e+00|0|2|1.06e+10|1e+21|-0.2|1.00e-310',
  );
  check(
    '%x|%X|%.2x|%x|%x|%b|%b|%b',
    [0, -1.5, 3.14158, 1e-310, -0, 0, -1e-310, 5],
    '0x0p+00|-0X1.8P+00|0x1.92p+01|0x1.2688b70e62bp-1030|-0x0p+00|0p-1074|-20240225330731p-1074|5629499534213120p-50',
  );
  check('%e|%f|%g|%t', [5n, 5n, 5n, 5n], '%!e(int=5)|%!f(int=5)|%!g(int=5)|%!t(int=5)');
  check('%5d|%-5d|%.3x|%08.3f', [42n, 42n, 3, -3.14158], '   42|42   |0x1.800p+01|-003.142');
});
