import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPromResponse, formatTimestamp } from './format.js';
import { formatGoFloat } from './format-value.js';

describe('formatGoFloat()', () => {
  const check = (v: number, expected: string, mode: 'api' | 'f' = 'api') =>
    assert.equal(formatGoFloat(v, mode), expected);
  it("renders like Go's strconv.FormatFloat in the API", () => {
    check(2, '2');
    check(0.1 + 0.2, '0.30000000000000004');
    check(1e21, '1e+21');
    check(1e-7, '1e-07');
    check(1.5e-10, '1.5e-10');
    check(123456789012345680000, '123456789012345680000');
    check(Number.NaN, 'NaN');
    check(Number.POSITIVE_INFINITY, '+Inf');
    check(Number.NEGATIVE_INFINITY, '-Inf');
    check(-0, '-0');
  });
  it("renders count_values labels with 'f'", () => {
    check(1e21, '1000000000000000000000', 'f');
    check(1e-7, '0.0000001', 'f');
    check(1.25e-8, '0.0000000125', 'f');
  });
});

describe('formatPromResponse()', () => {
  it('writes timestamps like jsonutil.MarshalTimestamp', () => {
    assert.equal(formatTimestamp(1_435_781_451_781), '1435781451.781');
    assert.equal(formatTimestamp(1500), '1.500');
    assert.equal(formatTimestamp(4000), '4');
    assert.equal(formatTimestamp(5), '0.005');
  });
  it('writes every result type', () => {
    assert.equal(
      formatPromResponse({ resultType: 'scalar', result: { t: 4000, v: 2 } }),
      '{"status":"success","data":{"resultType":"scalar","result":[4,"2"]}}',
    );
    assert.equal(
      formatPromResponse({
        resultType: 'vector',
        result: [{ metric: { b: '1', a: '2' }, t: 1500, v: Number.NaN }],
      }),
      '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"2","b":"1"},"value":[1.500,"NaN"]}]}}',
    );
    assert.equal(
      formatPromResponse({
        resultType: 'matrix',
        result: [{ metric: {}, timestamps: [0, 1000], values: [1, 2] }],
      }),
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[0,"1"],[1,"2"]]}]}}',
    );
    assert.equal(
      formatPromResponse({ resultType: 'string', result: { t: 0, v: 'hi' } }),
      '{"status":"success","data":{"resultType":"string","result":[0,"hi"]}}',
    );
  });
});
