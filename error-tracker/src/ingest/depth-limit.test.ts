import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  limitDepth,
  limitEventDepth,
  MAX_EVENT_DEPTH,
  MAX_EXTRA_DEPTH,
  MAX_VARS_DEPTH,
} from './depth-limit.js';

/** `levels` containers nested: nest(1) is [], nest(2) is [[]]. */
function nest(levels: number, leaf: unknown = 1): unknown {
  let v: unknown = [leaf];
  for (let i = 1; i < levels; i++) v = [v];
  return v;
}
/** Containers counted from the outside until a leaf or a placeholder. */
function depthOf(v: unknown): number {
  return Array.isArray(v)
    ? 1 + Math.max(0, ...v.map(depthOf))
    : v !== null && typeof v === 'object'
      ? 1 + Math.max(0, ...Object.values(v).map(depthOf))
      : 0;
}
/** value[a][b]... of JSON read back (undefined where the path ends). */
function at(value: unknown, ...path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], value);
}
const frameWithVars = (vars: unknown) => ({
  values: [{ type: 'E', stacktrace: { frames: [{ function: 'f', vars }] } }],
});

test('limitDepth() keeps `levels` containers and replaces deeper ones with placeholders', () => {
  const check = (input: unknown, levels: number, expected: unknown) =>
    assert.deepEqual(limitDepth(input, levels), expected);
  check(1, 0, 1);
  check('x', 0, 'x');
  check([], 0, '[Array]');
  check({}, 0, '[Object]');
  check([[1], { a: {} }], 2, [[1], { a: '[Object]' }]);
  check({ a: [[[]]], b: 2 }, 3, { a: [['[Array]']], b: 2 });
});

test('limitEventDepth() returns the same object when nothing is too deep', () => {
  const event = {
    message: 'm',
    extra: { a: nest(MAX_EXTRA_DEPTH - 1) },
    contexts: { c: nest(MAX_EVENT_DEPTH - 2) },
  };
  assert.equal(limitEventDepth(event), event);
  const vars = { v: nest(MAX_VARS_DEPTH - 1) };
  const ok = { exception: frameWithVars(vars) };
  assert.equal(limitEventDepth(ok), ok);
});

test('limitEventDepth() trims frame vars to MAX_VARS_DEPTH, extra to MAX_EXTRA_DEPTH, the rest to MAX_EVENT_DEPTH', () => {
  const deep = nest(20_000);
  const event = {
    message: 'kept',
    extra: { d: deep },
    exception: frameWithVars({ v: deep }),
    threads: { values: [{ stacktrace: { frames: [{ vars: { v: deep } }] } }] },
    contexts: { c: deep },
    custom: deep,
  };
  const out = limitEventDepth(event);
  assert.notEqual(out, event);
  assert.equal(event.extra.d, deep, 'the input is not changed');
  assert.equal(out.message, 'kept');
  assert.equal(depthOf(out.extra), MAX_EXTRA_DEPTH);
  assert.equal(depthOf(at(out, 'exception', 'values', 0, 'stacktrace', 'frames', 0, 'vars')), MAX_VARS_DEPTH);
  assert.equal(depthOf(at(out, 'threads', 'values', 0, 'stacktrace', 'frames', 0, 'vars')), MAX_VARS_DEPTH);
  assert.equal(depthOf(out.contexts), MAX_EVENT_DEPTH - 1);
  assert.equal(depthOf(out.custom), MAX_EVENT_DEPTH - 1);
  assert.match(JSON.stringify(out.extra), /"\[Array\]"/);
  assert.doesNotThrow(() => JSON.stringify(out));
});

test('limitEventDepth() treats a "vars" key outside stack traces like any other key', () => {
  const event = { contexts: { vars: nest(MAX_VARS_DEPTH + 3) } };
  assert.equal(limitEventDepth(event), event);
});

test('limitEventDepth() replaces an own "__proto__" key of parsed JSON, not the prototype', () => {
  const event = JSON.parse(`{"extra":{"__proto__":${JSON.stringify(nest(50))}}}`);
  const out = limitEventDepth(event);
  assert.ok(Object.hasOwn(out.extra as object, '__proto__'));
  assert.equal(
    depthOf(Object.getOwnPropertyDescriptor(out.extra as object, '__proto__')?.value),
    MAX_EXTRA_DEPTH - 1,
  );
  assert.ok(JSON.stringify(out).length < 200);
});

test('limitEventDepth() keeps what lies below the extra and vars depths as a JSON string, as Relay does, unless it is itself too deep', () => {
  // @sentry/node with normalizeDepth: 10 sends extra this deep; Relay keeps the part below its
  // depth as a JSON string (trimming.rs, test_databag_stripping) rather than dropping it
  const below = { h: { leaf: 'kept' } };
  const extra = { a: { b: { c: { d: { e: { f: { g: below } } } } } } };
  const vars = { a: { b: { c: { d: { e: below } } } } };
  const out = limitEventDepth({ extra, exception: frameWithVars(vars), custom: nest(40) });
  assert.equal(at(out, 'extra', 'a', 'b', 'c', 'd', 'e', 'f', 'g'), JSON.stringify(below));
  assert.equal(depthOf(out.extra), MAX_EXTRA_DEPTH);
  const outVars = at(out, 'exception', 'values', 0, 'stacktrace', 'frames', 0, 'vars');
  assert.equal(at(outVars, 'a', 'b', 'c', 'd', 'e'), JSON.stringify(below));
  assert.equal(depthOf(outVars), MAX_VARS_DEPTH);
  // the event-wide limit guards recursion over the event: placeholders there
  assert.match(JSON.stringify(out.custom), /"\[Array\]"/);
  // a part below the extra depth that is itself too deep to serialize safely: a placeholder
  const deep = limitEventDepth({ extra: { a: nest(20_000) } });
  assert.match(JSON.stringify(deep.extra), /"\[Array\]"/);
  assert.ok(JSON.stringify(deep).length < 200);
});
