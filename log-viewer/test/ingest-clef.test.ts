// CLEF as Serilog's CompactJsonFormatter and Serilog.Sinks.Seq write it, posted to /api/logs over
// real HTTP into the real store, then found by its rendered message, its template and its properties.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Api, startApi } from './api-helpers.js';

// Lines in the shape Serilog.Formatting.Compact 2.0 writes them (properties at the top level, no @m,
// @l absent for Information, @r for the tokens with a format, @i the event id, @tr/@sp from Activity).
const CLEF = [
  '{"@t":"2026-11-25T22:30:01.1234567Z","@mt":"User {UserId} logged in from {@Ip} took {Elapsed:0.00} ms","@r":["12.35"],"@i":"4e2b1f0a","UserId":"u-1001","Ip":{"Address":"10.1.2.3","Port":443},"Elapsed":12.3456,"SourceContext":"Shop.Auth","@tr":"5b8efff798038103d269b633813fc60c","@sp":"eee19b7ec3c1b174"}',
  '{"@t":"2026-11-25T22:30:02.0000000Z","@mt":"Order {OrderId} failed","@l":"Error","@x":"System.InvalidOperationException: stock exhausted\\n   at Shop.Orders.Place()","OrderId":77,"@i":"9c0d2e11"}',
  '{"@t":"2026-11-25T22:30:03.5000000Z","@mt":"Cache {{hit}} ratio {Ratio} for {Missing}","@l":"Debug","Ratio":0.93}',
  '{"@t":"2026-11-25T22:30:04Z","@m":"Already rendered by RenderedCompactJsonFormatter","@i":"0badcafe","@l":"Warning"}',
].join('\n');

interface Found {
  message: string;
  level: string;
  level_text: string;
  trace_id: string;
  span_id: string;
  attributes: Record<string, unknown>;
}

let api: Api;
before(async () => {
  api = await startApi();
  const res = await fetch(`${api.url}/api/logs`, {
    method: 'POST',
    headers: { ...api.headers, 'content-type': 'application/vnd.serilog.clef' },
    body: `${CLEF}\n`,
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.deepEqual(await res.json(), { accepted: 4 });
});
after(() => api.close());

async function search(query: string): Promise<Found[]> {
  const q = new URLSearchParams({ query, from: '2026-11-25T22:00:00Z', to: '2026-11-25T23:00:00Z' });
  const res = await api.json<{ data: Found[] }>(`/api/logs?${q}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

test('a Serilog CLEF line without @m is stored with the message Seq renders from @mt', async () => {
  const [login] = await search('logged');
  assert.equal(login.message, 'User u-1001 logged in from { Address: "10.1.2.3", Port: 443 } took 12.35 ms');
  assert.equal(login.level, 'info');
  assert.equal(login.trace_id, '5b8efff798038103d269b633813fc60c');
  assert.equal(login.span_id, 'eee19b7ec3c1b174');
  assert.deepEqual(login.attributes, {
    message_template: 'User {UserId} logged in from {@Ip} took {Elapsed:0.00} ms',
    '@i': '4e2b1f0a',
    UserId: 'u-1001',
    Ip: { Address: '10.1.2.3', Port: 443 },
    Elapsed: 12.3456,
    SourceContext: 'Shop.Auth',
  });
  const [order] = await search('"Order 77 failed"');
  assert.equal(order.level, 'error');
  assert.equal(order.level_text, 'Error');
  assert.match(String(order.attributes.exception), /^System.InvalidOperationException: stock exhausted\n/);
  const [cache] = await search('ratio');
  assert.equal(cache.message, 'Cache {hit} ratio 0.93 for {Missing}');
  assert.equal(cache.level, 'debug');
  const [rendered] = await search('RenderedCompactJsonFormatter');
  assert.equal(rendered.message, 'Already rendered by RenderedCompactJsonFormatter');
  assert.equal(rendered.level, 'warn');
  assert.equal(rendered.attributes.message_template, undefined);
});

test('CLEF records are found by rendered text, by template and by property', async () => {
  const messages = async (q: string) => (await search(q)).map((r) => r.message).sort();
  assert.deepEqual(await messages('u-1001'), [
    'User u-1001 logged in from { Address: "10.1.2.3", Port: 443 } took 12.35 ms',
  ]);
  assert.deepEqual(await messages('message_template:"Order {OrderId} failed"'), ['Order 77 failed']);
  assert.deepEqual(await messages('message_template:UserId'), [
    'User u-1001 logged in from { Address: "10.1.2.3", Port: 443 } took 12.35 ms',
  ]);
  assert.deepEqual(await messages('OrderId:77'), ['Order 77 failed']);
  assert.deepEqual(await messages('Ip.Port:443'), [
    'User u-1001 logged in from { Address: "10.1.2.3", Port: 443 } took 12.35 ms',
  ]);
  assert.deepEqual(await messages('"@i":9c0d2e11'), ['Order 77 failed']);
  assert.deepEqual(await messages('level:error exception:*'), ['Order 77 failed']);
  assert.deepEqual(await messages('trace_id:5b8efff798038103d269b633813fc60c'), [
    'User u-1001 logged in from { Address: "10.1.2.3", Port: 443 } took 12.35 ms',
  ]);
});
