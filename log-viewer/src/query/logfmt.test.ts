import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLogfmt } from './logfmt.js';

function check(line: string, expected: Record<string, string>, labels: Record<string, string> = {}): void {
  it(`reads ${JSON.stringify(line)}`, () =>
    assert.deepEqual(Object.fromEntries(parseLogfmt(line, labels)), expected));
}

describe('parseLogfmt()', () => {
  check('level=error msg="db down" status=500', { level: 'error', msg: 'db down', status: '500' });
  check('a="q \\"x\\" \\\\ y\\n" b=1', { a: 'q "x" \\ y\n', b: '1' });
  check('  spaced=1   other=two  ', { spaced: '1', other: 'two' });
  check('bare key=v empty= last', { key: 'v' });
  check('http.method=GET user-agent=curl 1st=x', { http_method: 'GET', user_agent: 'curl', _1st: 'x' });
  check('app=inner level=warn', { app_extracted: 'inner', level: 'warn' }, { app: 'lfmt' });
  check('a=1 a=2', { a: '1' });
  check('no pairs in this line', {});
  check('="x" =y k="unterminated', { k: 'unterminated' });
  check('', {});
});
