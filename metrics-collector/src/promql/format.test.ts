import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPromResponse, formatTimestamp, promResponsePieces } from './format.js';
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

describe('matrix points', () => {
  /** The text every point had before they were written as bytes: floatPoint's. */
  const pointText = (t: number, v: number) => `[${formatTimestamp(t)},"${formatGoFloat(v)}"]`;
  const matrixText = (timestamps: number[], values: number[]) =>
    `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[${timestamps
      .map((t, i) => pointText(t, values[i]))
      .join(',')}]}]}}`;
  const check = (timestamps: number[], values: number[]) =>
    assert.equal(
      formatPromResponse({ resultType: 'matrix', result: [{ metric: {}, timestamps, values }] }),
      matrixText(timestamps, values),
    );

  it('are written as formatTimestamp and formatGoFloat write them, at every edge', () => {
    const times = [0, 5, 10, 99, 100, 999, 1000, 1001, 1500, 1_435_781_451_781, 1_764_180_000_000, -1, -1500];
    times.push(2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 1e17, 8.64e15);
    const values = [
      0,
      -0,
      1,
      -1,
      9,
      10,
      11,
      99,
      100,
      1e6,
      -1e6,
      123456789,
      2 ** 31,
      2 ** 53 - 1,
      -(2 ** 53 - 1),
    ];
    values.push(2 ** 53, 2 ** 53 + 2, 1e20, 1e21, -1e21, 1e-6, 1e-7, 0.1, 0.30000000000000004, 1.5, -2.25);
    values.push(
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
    );
    for (const t of times) check([t], [values[times.indexOf(t) % values.length]]);
    check(
      values.map((_, i) => 1_764_180_000_000 + i * 15_250),
      values,
    );
  });

  it('are the same text for random values and timestamps, across pieces', () => {
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 4294967296;
    };
    for (let round = 0; round < 20; round++) {
      const n = round === 0 ? 3000 : 1 + Math.floor(random() * 400);
      const timestamps: number[] = [];
      const values: number[] = [];
      let t = Math.floor(random() * 2e12);
      for (let i = 0; i < n; i++) {
        t += 1 + Math.floor(random() * 100_000);
        timestamps.push(t);
        const kind = Math.floor(random() * 5);
        const x = random();
        values.push(
          kind === 0
            ? Math.floor(x * 1e9)
            : kind === 1
              ? -Math.floor(x * 1e15)
              : kind === 2
                ? x * 10 ** (Math.floor(random() * 40) - 20)
                : kind === 3
                  ? Math.round(x * 1e4) / 100
                  : -x,
        );
      }
      check(timestamps, values);
    }
  });

  it('are cut into pieces of about 32 K characters, one long series or many short ones', () => {
    const long = { metric: {}, timestamps: [] as number[], values: [] as number[] };
    for (let i = 0; i < 5000; i++) {
      long.timestamps.push(1_764_180_000_000 + i * 1000);
      long.values.push(i);
    }
    const short = Array.from({ length: 3000 }, (_, k) => ({
      metric: { k: String(k) },
      timestamps: [0, 1000],
      values: [k, 1.5],
    }));
    for (const result of [[long], short]) {
      const pieces = [...promResponsePieces({ resultType: 'matrix', result })];
      assert.ok(pieces.length > 2);
      for (const piece of pieces) assert.ok(piece.length < 32_768 + 200, `a piece of ${piece.length}`);
      assert.equal(pieces.join(''), formatPromResponse({ resultType: 'matrix', result }));
    }
  });
});
