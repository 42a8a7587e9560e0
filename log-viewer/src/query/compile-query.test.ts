import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredRecord } from '../model.js';
import { compileQuery } from './compile-query.js';
import { parseQuery } from './parse-query.js';

function rec(over: Partial<StoredRecord> = {}): StoredRecord {
  return {
    seq: 1,
    timeNs: 1_764_110_000_000_000_000n,
    observedNs: 1_764_110_000_000_000_000n,
    level: 'info',
    levelText: 'INFO',
    severity: 9,
    service: 'checkout',
    host: 'web-1',
    message: 'GET /api/cart 200 in 12ms: Connection refused by upstream',
    attributes: {
      user: { id: 42, email: 'ann@example.com' },
      'http.status_code': 200,
      duration_ms: 12.5,
      tags: ['a', 'b'],
    },
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    labels: { app: 'shop', env: 'prod' },
    protocol: 'ndjson',
    ...over,
  };
}

const base = rec();
const warn = rec({ level: 'warn', service: 'payments', message: 'slow query took 900ms' });

function check(query: string, record: StoredRecord, expected: boolean): void {
  it(`${JSON.stringify(query)} ${expected ? 'matches' : 'does not match'} ${record.service}/${record.level}`, () => {
    assert.equal(compileQuery(parseQuery(query)).predicate(record), expected);
  });
}

describe('compileQuery() predicate', () => {
  check('', base, true);
  check('connection', base, true);
  check('CONNECTION', base, true);
  check('connect', base, false); // word semantics, not substring
  check('connect*', base, true); // prefix
  check('CONN*', base, true);
  check('onnect*', base, false);
  check('"connect*"', base, false); // quoted: literal
  check('user.email:ann@exa*', base, true);
  check('host:we*', base, true);
  check('"connection refused"', base, true);
  check('"refused connection"', base, false);
  check('/api/cart', base, true);
  check('ann@example.com', base, true); // attribute values are searched
  check('4bf92f3577b34da6a3ce929d0e0e4736', base, true);
  check('service:checkout', base, true);
  check('service:check', base, false);
  check('service:=checkout', base, true);
  check('{app=~"(?i)SHOP"} |~ "(?i)CONNECTION REFUSED"', base, true); // LogQL's RE2 (?i)
  check('{app=~"(?i)sho"}', base, false); // still anchored
  check('|~ "CONNECTION REFUSED"', base, false);
  check('-service:checkout', base, false);
  check('host:web', base, true);
  check('host:=web', base, false);
  check('level:info', base, true);
  check('level>=warn', base, false);
  check('level>=warn', warn, true);
  check('level>warn', warn, false);
  check('level<=info', base, true);
  check('level!=info', base, false);
  check('level:warning', warn, true);
  check('user.id:42', base, true);
  check('user.id:=42', base, true);
  check('user.id:>41', base, true);
  check('user.id:>42', base, false);
  check('user.email:~^ann@', base, true);
  check('user.email:~(?i)^ANN@', base, true);
  check('user.email:~^ANN@', base, false);
  check('http.status_code:>=200', base, true);
  check('http.status_code:<200', base, false);
  check('duration_ms:<=12.5', base, true);
  check('tags:b', base, true);
  check('attributes.user.id:42', base, true);
  check('app:shop', base, true); // falls back to stream labels
  check('labels.env:=prod', base, true);
  check('exception:*', base, false);
  check('user:*', base, true);
  check('trace_id:4bf92f3577b34da6a3ce929d0e0e4736', base, true);
  check('trace_id=4BF92F3577B34DA6A3CE929D0E0E4736', base, false); // exact is case-sensitive
  check('missing:>5', base, false);
  check('missing:!=5', base, true);
  check('host:>web-0', base, true);
  check('connection OR nothing', base, true);
  check('nothing OR nada', base, false);
  check('connection -upstream', base, false);
  check('NOT (slow OR cart)', base, false);
  check('(service:payments level>=warn) OR cart', warn, true);
  check('(service:payments level>=warn) OR cart', base, true);
  check('(service:payments level>=error) OR cart', warn, false);
  check('{app="shop", env=~"pr.*"} |= "Connection refused"', base, true);
  check('{app="shop"} |= "connection refused"', base, false); // |= is case-sensitive, as in Loki
  check('{env=~"pr"}', base, false); // label regexes are anchored
  check('{service_name="checkout"} != "upstream"', base, false);
});

function plan(query: string): unknown {
  return compileQuery(parseQuery(query)).plan;
}

function checkPlan(query: string, expected: unknown): void {
  it(`plans ${JSON.stringify(query)}`, () => assert.deepEqual(plan(query), expected));
}

describe('compileQuery() pruning plan is sound', () => {
  checkPlan('', { requiredTokens: [] });
  checkPlan('Timeout "Connection refused"', { requiredTokens: ['timeout', 'connection', 'refused'] });
  checkPlan('service:checkout level>=warn', { services: ['checkout'], requiredTokens: [], minLevel: 'warn' });
  checkPlan('level>warn', { minLevel: 'error', requiredTokens: [] });
  checkPlan('level:error', { minLevel: 'error', requiredTokens: [] });
  checkPlan('level<error', { requiredTokens: [] });
  checkPlan('trace_id:4bf92f35', { requiredTokens: ['4bf92f35'], idTokens: ['4bf92f35'] });
  checkPlan('span_id:=00f067aa0ba902b7 timeout', {
    requiredTokens: ['00f067aa0ba902b7', 'timeout'],
    idTokens: ['00f067aa0ba902b7'],
  });
  checkPlan('trace_id:4bf92f35 4bf92f35', { requiredTokens: ['4bf92f35'], idTokens: ['4bf92f35'] });
  checkPlan('trace_id:4bf92f35 OR 4bf92f35', { requiredTokens: ['4bf92f35'] });
  checkPlan('trace_id:4bf92f35 OR span_id:4bf92f35', {
    requiredTokens: ['4bf92f35'],
    idTokens: ['4bf92f35'],
  });
  checkPlan('trace_id:~^4bf9', { requiredTokens: [] });
  checkPlan('err*', { requiredTokens: [] });
  checkPlan('/api/cart/4*', { requiredTokens: ['api', 'cart'] });
  checkPlan('path:/api/us*', { requiredTokens: ['api'] });
  checkPlan('user.id:=42', { requiredTokens: ['42'] });
  checkPlan('status:>=500 path:~^/api exception:*', { requiredTokens: [] });
  checkPlan('-timeout', { requiredTokens: [] });
  checkPlan('NOT service:a', { requiredTokens: [] });
  checkPlan('protocol:otlp', { requiredTokens: [] });
  checkPlan('a b OR a c', { requiredTokens: ['a'] });
  checkPlan('service:a OR service:b', { services: ['a', 'b'], requiredTokens: [] });
  checkPlan('service:a OR timeout', { requiredTokens: [] });
  checkPlan('service:a service:b', { services: [], requiredTokens: [] });
  checkPlan('level>=warn OR level:debug', { minLevel: 'debug', requiredTokens: [] });
  checkPlan('(level>=warn timeout) OR (level:error timeout db)', {
    minLevel: 'warn',
    requiredTokens: ['timeout'],
  });
});

describe("LogQL label filters read nested keys as Loki's json parser flattens them", () => {
  const odd = rec({ attributes: { '1st': { 'home-town': 'Oslo' }, user_id: 7, list: [{ a: 1 }] } });
  check('| user_id=42', base, true);
  check('| user_email="ann@example.com"', base, true);
  check('| http_status_code=200', base, true);
  check('| duration_ms > 12', base, true);
  check('| user_id=7', odd, true);
  check('| user_id=42', odd, false);
  check('| _1st_home_town="Oslo"', odd, true);
  check('| list_0_a=1', odd, false); // arrays are not flattened
  check('| app="shop"', base, true); // stream labels too
  check('| user.id=42', base, true); // a dotted name stays a path
  check('user_id:=42', base, false); // our own language keeps names literal
});
