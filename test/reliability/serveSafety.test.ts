// What `serve` promises a network-facing user: loopback by default, bearer auth checked before any
// work (wrong or missing key: 401 in OpenAI's error shape, on every route), bounded bodies and
// generation, no file paths taken from requests, hostile JSON answered with 400, and the API key
// never in responses, logs, errors, or the state of a client adapter. (test/models/openai/startServer.test.ts covers
// the happy paths and the basic error statuses; this file covers the adversarial ones.)
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect as netConnect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { inspect } from 'node:util';
import { startServer, type RunningServer } from '../../src/models/openai/startServer.js';
import { ConfigError, EnsembleGymError } from '../../src/core/errors.js';
import { ModelRequestError } from '../../src/models/errors.js';
import { OpenAIHttpModel } from '../../src/models/openai/OpenAIHttpModel.js';
import { FakeModel } from '../../src/testing/decodingFakes.js';

const KEY = 'sk-reliability-7f3a9c1e5b';
const KEY_ENV = 'LEG_RELIABILITY_SERVE_KEY';
const model = new FakeModel({ id: 'fake', tokens: 'abcdefgh 0123456789'.split(''), seed: 5, maxContext: 64 });

let open: RunningServer;
let authed: RunningServer;
before(async () => {
  open = await startServer(model, { maxBodyBytes: 4096, maxTokens: 8 });
  process.env[KEY_ENV] = KEY;
  authed = await startServer(model, { apiKeyEnv: KEY_ENV, maxBodyBytes: 4096, maxTokens: 8 });
});
after(async () => {
  await open.close();
  await authed.close();
  delete process.env[KEY_ENV];
});

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with full control of method, path, headers and body (chunked when `chunks` is given). */
function raw(base: string, opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string; chunks?: string[] } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const u = new URL(opts.path ?? '/v1/completions', base);
    const req = httpRequest(u, { method: opts.method ?? 'POST', headers: { 'content-type': 'application/json', ...opts.headers }, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    // The server may answer (413, 401) and close before the whole body is sent; that is the point.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
    if (opts.chunks) {
      for (const c of opts.chunks) req.write(c);
      req.end();
    } else req.end(opts.body);
  });
}

function assertOpenAIError(r: Raw, status: number, code?: string): void {
  assert.equal(r.status, status, r.body.slice(0, 200));
  const json = JSON.parse(r.body) as { error: Record<string, unknown> };
  assert.deepEqual(Object.keys(json.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(typeof json.error.message, 'string');
  if (code !== undefined) assert.equal(json.error.code, code);
}

test('binds 127.0.0.1 by default: not reachable on any other interface', async () => {
  const { port, hostname } = new URL(open.url);
  assert.equal(hostname, '127.0.0.1');
  const others = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
  for (const addr of others) {
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      const s = netConnect({ host: addr, port: Number(port), timeout: 1000 });
      s.once('connect', () => {
        s.destroy();
        resolve(null);
      });
      s.once('timeout', () => {
        s.destroy();
        resolve(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
      });
      s.once('error', (e) => resolve(e));
    });
    assert.ok(err !== null, `the server answered on ${addr}:${port}`);
  }
  console.log(`reliability: default bind 127.0.0.1 checked against ${others.length} non-loopback interface(s)`);
});

test('wrong or missing bearer tokens get 401 in OpenAI error shape on every route, before the body is read, and never echo the key', async () => {
  const wrong: Array<Record<string, string>> = [
    {},
    { authorization: '' },
    { authorization: 'Bearer' },
    { authorization: 'Bearer ' },
    { authorization: `bearer ${KEY}` },
    { authorization: `Basic ${Buffer.from(`user:${KEY}`).toString('base64')}` },
    { authorization: `Bearer  ${KEY}` },
    { authorization: `Bearer ${KEY.slice(0, -1)}` },
    { authorization: `Bearer ${KEY}x` },
    { authorization: `Bearer ${KEY.toUpperCase()}` },
    { 'x-api-key': KEY },
    { 'api-key': KEY },
  ];
  let n = 0;
  for (const headers of wrong) {
    for (const [method, path] of [
      ['POST', '/v1/completions'],
      ['GET', '/v1/models'],
      ['GET', '/etc/passwd'],
      ['POST', `/v1/completions?api_key=${KEY}`],
      ['DELETE', '/v1/models'],
    ]) {
      const r = await raw(authed.url, { method, path, headers, body: method === 'POST' ? JSON.stringify({ prompt: 'ab', max_tokens: 1 }) : undefined });
      assertOpenAIError(r, 401, 'invalid_api_key');
      assert.ok(!r.body.includes(KEY) && !JSON.stringify(r.headers).includes(KEY), 'the key is echoed');
      n++;
    }
  }
  // Auth comes before reading the body: an unauthenticated oversized body gets 401, not 413.
  assertOpenAIError(await raw(authed.url, { body: 'x'.repeat(50_000) }), 401);
  const ok = await raw(authed.url, { method: 'GET', path: '/v1/models', headers: { authorization: `Bearer ${KEY}` } });
  assert.equal(ok.status, 200);
  console.log(`reliability: serve auth ${n + 1} rejected requests (12 header variants x 5 routes + oversized body), 0 accepted`);
});

test('body size limit: declared and chunked bodies over maxBodyBytes get 413; the server keeps serving', async () => {
  assertOpenAIError(await raw(open.url, { body: JSON.stringify({ prompt: 'a'.repeat(5000) }) }), 413, 'body_too_large');
  const chunk = `{"prompt":"${'b'.repeat(1000)}`;
  assertOpenAIError(await raw(open.url, { chunks: [chunk, 'b'.repeat(1500), 'b'.repeat(1500), 'b'.repeat(1500), '"}'] }), 413);
  const after413 = await raw(open.url, { body: JSON.stringify({ prompt: 'ab', max_tokens: 2, temperature: 0 }) });
  assert.equal(after413.status, 200);
});

test('generation limits and hostile JSON: every bad request is a 400 in OpenAI shape, never a 500 or a crash', async () => {
  const bad: unknown[] = [
    { prompt: 'ab', max_tokens: 9 },
    { prompt: 'ab', max_tokens: 1e9 },
    { prompt: 'ab', max_tokens: -1 },
    { prompt: 'ab', max_tokens: 1.5 },
    { prompt: 'ab', max_tokens: '5' },
    { prompt: 'ab', logprobs: 1e6 },
    { prompt: 'ab', logprobs: -1 },
    { prompt: 'ab', temperature: -1 },
    { prompt: 'ab', temperature: 'hot' },
    { prompt: 'ab', stream: true },
    { prompt: ['a', 'b'] },
    { prompt: 42 },
    { prompt: null },
    { prompt: { toString: 'x' } },
    [],
    'string',
    null,
    42,
  ];
  const texts = [
    ...bad.map((b) => JSON.stringify(b)),
    '',
    '{',
    '{"prompt": "a"',
    '\u0000',
    '{"prompt":"\\ud800"}x',
    '['.repeat(2000) + ']'.repeat(2000),
    `{"__proto__": {"max_tokens": 999}, "prompt": "ab", "max_tokens": 9}`,
  ];
  for (const body of texts) {
    const r = await raw(open.url, { body });
    assert.equal(r.status, 400, `${body.slice(0, 60)} -> ${r.status}`);
    assertOpenAIError(r, 400);
  }
  // Nested arrays deeper than the JSON parser's stack, inside the body limit of a bigger server.
  const deep = await startServer(model, { maxBodyBytes: 700_000 });
  try {
    assertOpenAIError(await raw(deep.url, { body: '['.repeat(300_000) + ']'.repeat(300_000) }), 400);
    assert.equal((await raw(deep.url, { body: JSON.stringify({ prompt: 'ab', max_tokens: 1 }) })).status, 200);
  } finally {
    await deep.close();
  }
  console.log(`reliability: serve hostile requests ${texts.length + 1} answered 4xx in OpenAI shape, 0 crashes`);
});

test('no file paths are taken from requests: path-like model names are just unknown names, extra fields are ignored, serve.ts reads no files', async () => {
  for (const name of ['/etc/passwd', '../../../../etc/passwd', 'file:///etc/passwd', 'C:\\Windows\\win.ini', `${process.cwd()}/models`]) {
    const r = await raw(open.url, { body: JSON.stringify({ model: name, prompt: 'ab', max_tokens: 1 }) });
    assertOpenAIError(r, 404, 'model_not_found');
    assert.ok(!r.body.includes('root:'), 'file content leaked');
  }
  const extra = await raw(open.url, {
    body: JSON.stringify({ prompt: 'ab', max_tokens: 1, model_dir: '/etc', path: '/etc/passwd', tokenizer: '/etc/shadow', file: '/etc/passwd' }),
  });
  assert.equal(extra.status, 200);
  assert.ok(!extra.body.includes('root:'));
  const src = readFileSync(new URL('../../src/models/openai/startServer.ts', import.meta.url), 'utf8');
  assert.doesNotMatch(src, /from ['"](node:)?fs(\/promises)?['"]/, 'startServer.ts must not import fs: it serves an adapter loaded by the caller');
  assert.doesNotMatch(src, /\bimport\(/, 'startServer.ts must not import modules chosen at run time');
});

test('the API key never appears in logs, error messages, or a client adapter printed or serialised', async () => {
  const captured: string[] = [];
  // eslint-disable-next-line @typescript-eslint/unbound-method -- kept only to be put back unchanged after the test
  const orig = { out: process.stdout.write, err: process.stderr.write, log: console.log, warn: console.warn, error: console.error };
  const grab = (...args: unknown[]): boolean => {
    captured.push(args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' '));
    return true;
  };
  process.stdout.write = grab as typeof process.stdout.write;
  process.stderr.write = grab as typeof process.stderr.write;
  console.log = console.warn = console.error = grab;
  const messages: string[] = [];
  try {
    const s = await startServer(model, { apiKeyEnv: KEY_ENV });
    try {
      const client = await OpenAIHttpModel.connect({ baseUrl: s.url, model: 'fake', tokenizer: model.tokenizer, apiKeyEnv: KEY_ENV, topK: 5, maxRetries: 0 });
      const session = await client.start('ab');
      const pending = session.next();
      // Printed while a request is in flight and after: no socket or request object may carry the header.
      messages.push(inspect(client, { depth: 8 }), JSON.stringify(client));
      await pending;
      messages.push(inspect(client, { depth: 8 }), JSON.stringify(client));
      process.env[KEY_ENV] = `${KEY}-wrong`;
      const err = await OpenAIHttpModel.connect({ baseUrl: s.url, model: 'fake', tokenizer: model.tokenizer, apiKeyEnv: KEY_ENV, maxRetries: 0 }).catch(
        (e: unknown) => e,
      );
      assert.ok(err instanceof ModelRequestError && err.status === 401);
      messages.push(err.message, String(err.stack), inspect(err, { depth: 8 }));
      process.env[KEY_ENV] = KEY;
      await client.close();
    } finally {
      await s.close();
    }
    process.env[KEY_ENV] = '';
    const missing = await startServer(model, { apiKeyEnv: KEY_ENV }).catch((e: unknown) => e);
    assert.ok(missing instanceof ConfigError && missing instanceof EnsembleGymError);
    messages.push(missing.message);
  } finally {
    Object.assign(process.stdout, { write: orig.out });
    Object.assign(process.stderr, { write: orig.err });
    Object.assign(console, { log: orig.log, warn: orig.warn, error: orig.error });
    process.env[KEY_ENV] = KEY;
  }
  const all = [...captured, ...messages];
  const leaks = all.filter((m) => m.includes(KEY));
  assert.deepEqual(
    leaks.map((m) => m.slice(Math.max(0, m.indexOf(KEY) - 80), m.indexOf(KEY) + 40)),
    [],
    'the API key leaked',
  );
  console.log(`reliability: API key searched in ${all.length} log lines, messages and dumps, 0 found`);
});
