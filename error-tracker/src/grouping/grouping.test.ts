import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEvent } from './describe.js';
import { GROUPING_VERSION, groupEvent } from './grouping.js';

const frame = (module: string, fn: string, lineno: number, inApp = true) => ({
  module,
  function: fn,
  lineno,
  in_app: inApp,
});
const exc = (type: string, value: string, frames: object[], mechanism?: object) => ({
  exception: { values: [{ type, value, stacktrace: { frames }, ...(mechanism ? { mechanism } : {}) }] },
});

test('groupEvent() ignores line numbers when frames move', () => {
  const a = groupEvent(exc('ValueError', 'x 1', [frame('app', 'main', 10), frame('app', 'parse', 20)]));
  const b = groupEvent(exc('ValueError', 'x 2', [frame('app', 'main', 11), frame('app', 'parse', 99)]));
  assert.equal(a.hash, b.hash);
  assert.equal(a.version, GROUPING_VERSION);
});

test('groupEvent() uses only in-app frames when there are some', () => {
  const a = groupEvent(exc('E', 'v', [frame('lib', 'x', 1, false), frame('app', 'f', 2)]));
  const b = groupEvent(exc('E', 'v', [frame('lib2', 'y', 1, false), frame('app', 'f', 2)]));
  assert.equal(a.hash, b.hash);
  const c = groupEvent(exc('E', 'v', [frame('lib', 'x', 1, false), frame('lib', 'z', 2, false)]));
  const d = groupEvent(exc('E', 'v', [frame('lib', 'x', 1, false), frame('lib', 'w', 2, false)]));
  assert.notEqual(c.hash, d.hash, 'no in-app frame: all frames count');
});

test('groupEvent() splits on exception type and function, uses file basename without module', () => {
  const base = groupEvent(exc('E', 'v', [frame('app', 'f', 1)]));
  assert.notEqual(base.hash, groupEvent(exc('F', 'v', [frame('app', 'f', 1)])).hash);
  assert.notEqual(base.hash, groupEvent(exc('E', 'v', [frame('app', 'g', 1)])).hash);
  const p1 = groupEvent(exc('E', 'v', [{ filename: '/a/b/app.js', function: 'f', in_app: true }]));
  const p2 = groupEvent(exc('E', 'v', [{ filename: '/c/app.js', function: 'f', in_app: true }]));
  assert.equal(p1.hash, p2.hash);
});

test('groupEvent() without a stack uses type + parameterized value', () => {
  const a = groupEvent({ exception: { values: [{ type: 'KeyError', value: 'user 42 at 0xfe01' }] } });
  const b = groupEvent({ exception: { values: [{ type: 'KeyError', value: 'user 7 at 0xaa' }] } });
  const c = groupEvent({ exception: { values: [{ type: 'KeyError', value: 'order 7' }] } });
  assert.equal(a.hash, b.hash);
  assert.notEqual(a.hash, c.hash);
});

test('groupEvent() groups messages parameterized, synthetic exceptions by message not type', () => {
  const m1 = groupEvent({ message: 'payment 12 failed for jane@example.com' });
  const m2 = groupEvent({ logentry: { formatted: 'payment 99 failed for joe@example.com' } });
  assert.equal(m1.hash, m2.hash);
  const syn = (type: string, fn: string) =>
    groupEvent({
      message: 'Disk usage above 90% on /var',
      ...exc(type, 'Disk usage above 90% on /var', [frame('app', fn, 1)], { synthetic: true }),
    });
  assert.equal(syn('', 'a').hash, syn('Error', 'b').hash);
  assert.equal(syn('', 'a').hash, groupEvent({ message: 'Disk usage above 95% on /tmp' }).hash);
});

test('groupEvent() honours fingerprint and expands {{ default }}', () => {
  const ev = exc('E', 'v', [frame('app', 'f', 1)]);
  const plain = groupEvent(ev);
  const withDefault = groupEvent({ ...ev, fingerprint: ['{{ default }}', 'checkout'] });
  const onlyDefault = groupEvent({ ...ev, fingerprint: ['{{default}}'] });
  const custom = groupEvent({ ...ev, fingerprint: ['my-rpc', 'POST'] });
  const otherCustom = groupEvent({ ...exc('X', 'y', []), fingerprint: ['my-rpc', 'POST'] });
  assert.notEqual(plain.hash, withDefault.hash);
  assert.ok(withDefault.components.includes('frame:app\tf\t'));
  assert.notEqual(plain.hash, custom.hash);
  assert.equal(custom.hash, otherCustom.hash);
  assert.deepEqual(custom.legacyHashes, [], 'frames do not count: the older versions agree');
  // ["{{ default }}"] alone is no fingerprint (black-box 10 #2); version 2 keyed it as one: that key
  // comes along, so the issue version 2 made for it keeps its events
  assert.equal(onlyDefault.hash, plain.hash);
  assert.deepEqual(onlyDefault.components, plain.components);
  assert.equal(onlyDefault.legacyHashes.length, 1);
  assert.notEqual(onlyDefault.legacyHashes[0], plain.legacyHashes[0]);
  const msg = { message: 'cache warm' };
  assert.equal(groupEvent({ ...msg, fingerprint: ['{{ default }}'] }).hash, groupEvent(msg).hash);
  assert.notEqual(
    groupEvent({ ...msg, fingerprint: ['{{ default }}', '{{ default }}'] }).hash,
    groupEvent(msg).hash,
  );
});

test('groupEvent() covers every exception of a chain', () => {
  const chain = (causeType: string) =>
    groupEvent({
      exception: {
        values: [
          { type: causeType, value: 'a', stacktrace: { frames: [frame('app', 'load', 1)] } },
          { type: 'ValueError', value: 'b', stacktrace: { frames: [frame('app', 'start', 2)] } },
        ],
      },
    });
  assert.notEqual(chain('KeyError').hash, chain('IndexError').hash);
});

test('describeEvent() builds title and culprit', () => {
  const d = describeEvent(
    exc('TypeError', 'boom\nmore', [frame('app', 'main', 1), frame('lib', 'x', 2, false)]),
  );
  assert.deepEqual(d, {
    title: 'TypeError: boom',
    culprit: 'app in main',
    type: 'TypeError',
    message: 'boom',
  });
  assert.equal(describeEvent({ message: 'hello', transaction: '/cart' }).culprit, '/cart');
  const syn = describeEvent({
    message: 'Disk full',
    ...exc('', 'Disk full', [frame('app', 'f', 1)], { synthetic: true }),
  });
  assert.equal(syn.title, 'Disk full');
  assert.equal(syn.type, '');
  assert.equal(describeEvent({}).title, '<unlabeled event>');
});

const logEntry = (name: string, via: string) => ({
  logentry: {
    message: 'invoice for customer %s could not be sent via %s',
    params: [name, via],
    formatted: `invoice for customer ${name} could not be sent via ${via}`,
  },
});

test('groupEvent() groups logging events by the template, not the formatted text (since version 2)', () => {
  const a = groupEvent(logEntry('alice', 'smtp'));
  const b = groupEvent(logEntry('bob smith', 'sendgrid api'));
  assert.equal(a.version, 3);
  assert.equal(a.hash, b.hash);
  assert.deepEqual(a.components, ['message:invoice for customer %s could not be sent via %s']);
  assert.deepEqual(a.legacyHashes.length, 1, 'version 2 = version 3 here: only the version 1 key');
  assert.notEqual(a.hash, a.legacyHashes[0]);
  assert.equal(
    describeEvent(logEntry('alice', 'smtp')).title,
    'invoice for customer alice could not be sent via smtp',
  );
});

test('groupEvent() keeps the keys of versions 1 and 2 where the components did not change, and gives the old keys of the rest', () => {
  // hashes computed by version 1 (bbacac2's grouping.ts); version 2 (eca9b3d) kept them for these
  assert.equal(
    groupEvent({ message: 'payment 12 failed for jane@example.com' }).hash,
    '1a53b826cecac02a2a058e073ec63e28eb79f1b623711607bb7d9aa91b2c86ba',
  );
  assert.deepEqual(groupEvent({ message: 'payment 12 failed for jane@example.com' }).legacyHashes, []);
  const ex = exc('ValueError', 'x', [{ module: 'app', function: 'main', in_app: true }]);
  assert.notEqual(groupEvent(ex).hash, '12ccf9a006974f043d4323a34673d1be6ebaca3ba3fcc6af2805996acfffe840');
  assert.deepEqual(groupEvent(ex).legacyHashes, [
    '12ccf9a006974f043d4323a34673d1be6ebaca3ba3fcc6af2805996acfffe840',
  ]);
  assert.deepEqual(groupEvent(logEntry('alice', 'smtp')).legacyHashes, [
    '47c342c7c9e32b7bc4af193836c5daeed77816f6e4b506679b5aa603267e37bf',
  ]);
  const withFp = groupEvent({
    fingerprint: ['{{ default }}', 'x'],
    logentry: { message: 'user %s not found', params: ['bob'], formatted: 'user bob not found' },
  });
  assert.deepEqual(withFp.legacyHashes, ['0b6dfb78c927f3ccd3993290b6de1d247e012f70cefba5f387bc7336ca065e4f']);
  const noParams = groupEvent({ logentry: { message: 'cache warm', params: [], formatted: 'cache warm' } });
  assert.deepEqual(noParams.legacyHashes, [], 'the template is the text: the old keys stand');
});

// Version 3's frame rules (frame.ts), each against Sentry's newstyle.py. `same`: the two stacks
// give one key; otherwise two.
type Frames = Record<string, unknown>[];
const stackEvent = (platform: string, frames: Frames, value = 'v') => ({
  platform,
  exception: { values: [{ type: 'TypeError', value, stacktrace: { frames } }] },
});
const app = (fields: Record<string, unknown>) => ({ in_app: true, ...fields });
const js = (fn: string | undefined, line: string, more: Record<string, unknown> = {}) =>
  app({
    filename: '/srv/app/routes.js',
    abs_path: '/srv/app/routes.js',
    function: fn,
    context_line: line,
    ...more,
  });
const py = (fn: string, line: string) =>
  app({ module: '__main__', filename: 'job.py', function: fn, context_line: line });
const long = (c: string) => `x = "${c.repeat(120)}"`;

const frameCases: [name: string, platform: string, a: Frames, b: Frames, same: boolean][] = [
  [
    'JS frames named ? split by their context line',
    'node',
    [js('?', 'JSON.parse(a)')],
    [js('?', 'JSON.parse(b)')],
    false,
  ],
  [
    'an unknown JS function name does not contribute: ? = <anonymous>',
    'node',
    [js('?', 'f()')],
    [js('<anonymous>', 'f()')],
    true,
  ],
  [
    '<anonymous function> does not contribute',
    'javascript',
    [js('<anonymous function>', 'f()')],
    [js(undefined, 'f()')],
    true,
  ],
  [
    'Anonymous function does not contribute',
    'javascript',
    [js('Anonymous function', 'f()')],
    [js('?', 'f()')],
    true,
  ],
  [
    'a Firefox name ending in /< does not contribute',
    'javascript',
    [js('init/<', 'f()')],
    [js('?', 'f()')],
    true,
  ],
  [
    'Object.? is an unknown name too (the last dotted part)',
    'node',
    [js('Object.?', 'f()')],
    [js('?', 'f()')],
    true,
  ],
  [
    'JS function names are trimmed to their last dotted part',
    'node',
    [js('Timeout._onTimeout', 'f()')],
    [js('_onTimeout', 'f()')],
    true,
  ],
  ['Object.foo = foo', 'javascript', [js('Object.foo', 'f()')], [js('foo', 'f()')], true],
  ['known JS function names still split', 'node', [js('foo', 'f()')], [js('bar', 'f()')], false],
  ['Python dotted names are not trimmed', 'python', [py('Job.run', 'run()')], [py('run', 'run()')], false],
  [
    'the context line is whitespace-normalized',
    'node',
    [js('f', '  a  =\tb(1) ')],
    [js('f', 'a = b(1)')],
    true,
  ],
  [
    'a context line over 120 chars does not contribute',
    'node',
    [js('f', long('a'))],
    [js('f', long('b'))],
    true,
  ],
  [
    'a context line of 120 chars contributes',
    'node',
    [js('f', 'a'.repeat(120))],
    [js('f', 'b'.repeat(120))],
    false,
  ],
  [
    'the 120 are code points, not UTF-16 units',
    'node',
    [js('f', '😀'.repeat(60))],
    [js('f', '😁'.repeat(60))],
    false,
  ],
  ['context lines count for python', 'python', [py('f', 'a()')], [py('f', 'b()')], false],
  [
    'context lines count for php',
    'php',
    [app({ filename: 'a.php', function: 'f', context_line: 'a();' })],
    [app({ filename: 'a.php', function: 'f', context_line: 'b();' })],
    false,
  ],
  [
    'context lines count for ruby',
    'ruby',
    [app({ filename: 'a.rb', function: 'f', context_line: 'a' })],
    [app({ filename: 'a.rb', function: 'f', context_line: 'b' })],
    false,
  ],
  [
    'context lines do not count for java',
    'java',
    [app({ module: 'A', function: 'f', context_line: 'a();' })],
    [app({ module: 'A', function: 'f', context_line: 'b();' })],
    true,
  ],
  [
    'a frame platform overrides the event platform',
    'java',
    [js('f', 'a()', { platform: 'node' })],
    [js('f', 'b()', { platform: 'node' })],
    false,
  ],
  [
    'Python <module> frames split by their context line',
    'python',
    [py('<module>', '{}["missing"]')],
    [py('<module>', 'log.makeRecord()')],
    false,
  ],
  [
    'Python <module> frames of the same line group',
    'python',
    [py('<module>', 'x = {}["missing"]')],
    [py('<module>', 'x = {}["missing"]')],
    true,
  ],
  [
    'Python <lambda> is a function name like any other',
    'python',
    [py('<lambda>', 'f(x)')],
    [py('handler', 'f(x)')],
    false,
  ],
  [
    'a [native code] frame does not contribute',
    'javascript',
    [js('f', 'a()'), app({ abs_path: '[native code]', function: 'forEach' })],
    [js('f', 'a()')],
    true,
  ],
  ['an eval frame does not contribute', 'node', [js('f', 'a()'), js('eval', 'b()')], [js('f', 'a()')], true],
  [
    'a frame of <anonymous> path does not contribute',
    'node',
    [js('f', 'a()'), app({ abs_path: '<anonymous>', function: 'g' })],
    [js('f', 'a()')],
    true,
  ],
  [
    'a recursive frame (same place, same line) counts once',
    'python',
    [py('walk', 'walk(n)'), py('walk', 'walk(n)')],
    [py('walk', 'walk(n)')],
    true,
  ],
  [
    'the same function at another line is not recursion',
    'python',
    [
      { ...py('walk', 'walk(n)'), lineno: 1 },
      { ...py('walk', 'walk(n)'), lineno: 2 },
    ],
    [{ ...py('walk', 'walk(n)'), lineno: 1 }],
    false,
  ],
  [
    'file basenames are lowercased',
    'node',
    [app({ filename: '/a/App.js', function: 'f' })],
    [app({ filename: '/b/app.js', function: 'f' })],
    true,
  ],
  [
    "a browser frame's module comes from its URL: a trailing hash goes",
    'javascript',
    [
      app({
        abs_path: 'https://x.io/static/js/main.3f2a1b9c.js',
        filename: 'https://x.io/static/js/main.3f2a1b9c.js',
        function: 'f',
      }),
    ],
    [
      app({
        abs_path: 'https://x.io/static/js/main.8d7e6f5a.js',
        filename: 'https://x.io/static/js/main.8d7e6f5a.js',
        function: 'f',
      }),
    ],
    true,
  ],
  [
    "a hash between dots goes too (webpack's [name].[contenthash].chunk.js)",
    'javascript',
    [
      app({
        abs_path: 'https://x.io/static/js/main.3f2a1b9c.chunk.js',
        filename: 'https://x.io/static/js/main.3f2a1b9c.chunk.js',
        function: 'f',
      }),
    ],
    [
      app({
        abs_path: 'https://x.io/static/js/main.8d7e6f5a.chunk.js',
        filename: 'https://x.io/static/js/main.8d7e6f5a.chunk.js',
        function: 'f',
      }),
    ],
    true,
  ],
  [
    'version and sha folders go',
    'javascript',
    [
      app({
        abs_path: 'https://cdn.x.io/v1.2.3/0123456789abcdef0123456789abcdef01234567/app/cart.js',
        filename: 'https://cdn.x.io/v1.2.3/0123456789abcdef0123456789abcdef01234567/app/cart.js',
        function: 'f',
      }),
    ],
    [
      app({
        abs_path: 'https://cdn.x.io/v1.2.4/89abcdef0123456789abcdef0123456789abcdef/app/cart.js',
        filename: 'https://cdn.x.io/v1.2.4/89abcdef0123456789abcdef0123456789abcdef/app/cart.js',
        function: 'f',
      }),
    ],
    true,
  ],
  [
    'different bundles stay apart',
    'javascript',
    [
      app({
        abs_path: 'https://x.io/static/js/main.3f2a1b9c.js',
        filename: 'https://x.io/static/js/main.3f2a1b9c.js',
        function: 'f',
      }),
    ],
    [
      app({
        abs_path: 'https://x.io/static/js/vendor.3f2a1b9c.js',
        filename: 'https://x.io/static/js/vendor.3f2a1b9c.js',
        function: 'f',
      }),
    ],
    false,
  ],
  [
    'the module made from a URL keeps its folders',
    'javascript',
    [app({ abs_path: 'https://x.io/app/cart.js', filename: 'https://x.io/app/cart.js', function: 'f' })],
    [app({ abs_path: 'https://x.io/lib/cart.js', filename: 'https://x.io/lib/cart.js', function: 'f' })],
    false,
  ],
  [
    'a file: URL contributes its name',
    'javascript',
    [app({ abs_path: 'file:///a/a.js', filename: 'a.js', function: 'f' })],
    [app({ abs_path: 'file:///a/b.js', filename: 'b.js', function: 'f' })],
    false,
  ],
  [
    'no context line from a URL when the function is unknown',
    'javascript',
    [
      app({ abs_path: 'https://x.io/a.js', function: 'f', context_line: 'a()' }),
      app({ abs_path: 'https://x.io/p.html', context_line: 'a()' }),
    ],
    [
      app({ abs_path: 'https://x.io/a.js', function: 'f', context_line: 'a()' }),
      app({ abs_path: 'https://x.io/p.html', context_line: 'b()' }),
    ],
    true,
  ],
  [
    'a source-mapped function name gives way to the context line',
    'javascript',
    [js('a', 'pay()', { data: { sourcemap: 'x.map' } })],
    [js('b', 'pay()', { data: { sourcemap: 'x.map' } })],
    true,
  ],
  [
    'a browser module that is its URL path does not contribute',
    'javascript',
    [app({ module: 'app/a', abs_path: 'https://x.io/app/a', function: 'f' })],
    [app({ module: 'app/b', abs_path: 'https://x.io/app/b', function: 'f' })],
    true,
  ],
  [
    'ruby blocks are "block"',
    'ruby',
    [app({ filename: 'a.rb', function: 'block in run' })],
    [app({ filename: 'a.rb', function: 'block (2 levels) in run' })],
    true,
  ],
  [
    'ruby erb suffixes are removed',
    'ruby',
    [app({ filename: 'a.erb', function: '_app_views_a_erb__1234_5678' })],
    [app({ filename: 'a.erb', function: '_app_views_a_erb__9999_1111' })],
    true,
  ],
  [
    'PHP anonymous functions do not contribute',
    'php',
    [app({ filename: 'a.php', function: '[Anonymous function]' })],
    [app({ filename: 'a.php', function: '{closure}' })],
    false,
  ],
  [
    'Java lambdas do not contribute',
    'java',
    [app({ module: 'A', function: 'lambda$run$0' })],
    [app({ module: 'A', function: 'lambda$run$1' })],
    true,
  ],
  [
    'unknown native functions do not contribute',
    'native',
    [app({ filename: 'a.c', function: '<unknown>' })],
    [app({ filename: 'a.c', function: '<redacted>' })],
    true,
  ],
];

for (const [name, platform, a, b, same] of frameCases) {
  test(`groupEvent() v3: ${name}`, () => {
    const ka = groupEvent(stackEvent(platform, a)).hash;
    const kb = groupEvent(stackEvent(platform, b)).hash;
    if (same) assert.equal(ka, kb);
    else assert.notEqual(ka, kb);
  });
}

test('groupEvent() v3: a stack whose frames contribute nothing groups by type and value', () => {
  const lone = (value: string) =>
    groupEvent(
      stackEvent('javascript', [app({ abs_path: 'https://x.io/a.js', context_line: 'a()' })], value),
    );
  // Sentry's single-frame rule: a lone URL frame without a function says nothing
  assert.notEqual(lone('a is undefined').hash, lone('b is undefined').hash);
  assert.ok(lone('a is undefined').components.includes('value:a is undefined'));
  const evals = (value: string) =>
    groupEvent(stackEvent('node', [js('eval', 'x()'), js('eval', 'y()')], value));
  assert.notEqual(evals('a').hash, evals('b').hash);
});

test('groupEvent() v3: all frames count when no in-app frame contributes', () => {
  const ev = (lib: string) =>
    groupEvent(
      stackEvent('node', [
        { filename: `/srv/node_modules/${lib}.js`, function: 'load', in_app: false },
        app({ abs_path: '[native code]', function: 'forEach' }),
      ]),
    );
  assert.notEqual(ev('a').hash, ev('b').hash);
});

test('groupEvent() v3: in-app frames only, when some contribute', () => {
  const ev = (lib: string) =>
    groupEvent(
      stackEvent('node', [{ filename: `${lib}.js`, function: 'load', in_app: false }, js('f', 'a()')]),
    );
  assert.equal(ev('a').hash, ev('b').hash);
});

test('groupEvent() v3: the same bug in two deploys of a hashed browser bundle is one issue (black-box 10 #13)', () => {
  const deploy = (h: string) =>
    groupEvent({
      platform: 'javascript',
      release: `web@${h}`,
      exception: {
        values: [
          {
            type: 'TypeError',
            value: "Cannot read properties of null (reading 'price')",
            stacktrace: {
              frames: [
                {
                  abs_path: `http://shop.example/static/js/vendor.${h}.js`,
                  function: 'HTMLButtonElement.dispatch',
                  in_app: true,
                  lineno: 1,
                  colno: 9000,
                },
                {
                  abs_path: `http://shop.example/static/js/main.${h}.chunk.js`,
                  function: 'addToCart',
                  in_app: true,
                  lineno: 1,
                  colno: 1234,
                },
              ],
            },
          },
        ],
      },
    });
  assert.equal(deploy('3f2a1b9c').hash, deploy('8d7e6f5a').hash);
  assert.deepEqual(deploy('3f2a1b9c').components.slice(1), [
    'frame:vendor\tdispatch\t',
    'frame:main.chunk\taddToCart\t',
  ]);
});
