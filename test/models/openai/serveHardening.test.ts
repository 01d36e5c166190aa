// `startServer` and the `serve` command as a real server behaves: token-id prompts fed as the ids
// they are, vLLM's token-id keys, llama.cpp's /props; and what a careless or hostile client must not
// get through: a timeout the adapter never yields to, a body read after 401, a declared body over
// the limit, bad --port / --host / --max-tokens.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, createServer as netServer, type Server as NetServer } from 'node:net';
import { ConfigError } from '../../../src/core/errors.js';
import { main } from '../../../src/cli/main.js';
import type { ModelAdapter, NextToken, Session } from '../../../src/models/ModelAdapter.js';
import { startServer, type RunningServer } from '../../../src/models/openai/startServer.js';
import { FakeModel } from '../../../src/testing/decodingFakes.js';
import { startTinyServer, type TinyServer } from '../../support/tinyServer.js';

let tiny: TinyServer;
before(async () => {
  tiny = await startTinyServer(21);
});
after(() => tiny.close());

async function post(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

test('a token-id prompt is fed as those ids (non-canonical split, EOS inside), answered as the adapter answers the same ids', async () => {
  const tok = tiny.model.tokenizer;
  const eos = tok.specialTokens.eos!;
  const ids = [...tok.encode('ab'), eos, ...tok.encode('c'), ...tok.encode('a')];
  const { status, json } = await post(tiny.server.url, { prompt: ids, max_tokens: 1, logprobs: 3, temperature: 0, return_tokens_as_token_ids: true });
  assert.equal(status, 200, JSON.stringify(json));
  const s = await tiny.model.start('ab');
  await s.append(ids.slice(tok.encode('ab').length));
  const lp = (await s.next()).logprobs as Float32Array;
  const top = json.choices[0].logprobs.top_logprobs[0] as Record<string, number>;
  assert.equal(Object.keys(top).length, 3);
  for (const [k, v] of Object.entries(top)) {
    const m = /^token_id:(\d+)$/.exec(k);
    assert.ok(m, `key ${k} is token_id:N`);
    assert.ok(Math.abs(lp[Number(m[1])] - v) < 1e-6);
  }
  await s.dispose();
  const bad = await post(tiny.server.url, { prompt: [1, 1e6], max_tokens: 1 });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.param, 'prompt');
});

test('GET /props reports the context as llama.cpp does', async () => {
  const props = (await (await fetch(`${tiny.server.url}/props`)).json()) as { n_ctx: number; default_generation_settings: { n_ctx: number } };
  assert.equal(props.n_ctx, tiny.model.maxContext);
  assert.equal(props.default_generation_settings.n_ctx, tiny.model.maxContext);
});

/** An adapter whose next() computes for `ms` without ever yielding to the event loop. */
function busyModel(ms: number): ModelAdapter {
  const base = new FakeModel({ id: 'busy', tokens: 'abcd'.split(''), seed: 1, maxContext: 64 });
  return {
    id: 'busy',
    tokenizer: base.tokenizer,
    vocabSize: base.vocabSize,
    hiddenSize: 0,
    maxContext: 64,
    async start(prompt: string): Promise<Session> {
      const inner = await base.start(prompt);
      return {
        get length() {
          return inner.length;
        },
        async next(): Promise<NextToken> {
          const until = Date.now() + ms;
          while (Date.now() < until) {
            // busy: no await, so no timer can fire
          }
          const lp = Float32Array.from((await inner.next()).logprobs as Float32Array);
          lp[0] = -1e9; // never EOS: the request would run its whole max_tokens
          return { logprobs: lp };
        },
        append: (ids) => inner.append(ids),
        dispose: () => inner.dispose(),
      };
    },
    close: async () => undefined,
  };
}

test('requestTimeoutMs holds even when the adapter never yields: 504 between tokens, not a late 200', async () => {
  const s = await startServer(busyModel(60), { requestTimeoutMs: 200 });
  try {
    const t0 = Date.now();
    const { status, json } = await post(s.url, { prompt: 'ab', max_tokens: 20, temperature: 0 });
    assert.equal(status, 504, JSON.stringify(json));
    assert.equal(json.error.code, 'timeout');
    assert.ok(Date.now() - t0 < 20 * 60, 'it stopped before generating all 20 tokens');
  } finally {
    await s.close();
  }
});

/** Sends the headers of a POST declaring `length` body bytes plus `sent` bytes of body; resolves with the reply head and whether the server closed. */
function declare(url: string, length: string, sent: number, headers = ''): Promise<{ head: string; closedMs: number }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    let head = '';
    const sock = netConnect({ host: '127.0.0.1', port: Number(port) }, () => {
      sock.write(`POST /v1/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n${headers}\r\n`);
      sock.write('x'.repeat(sent));
    });
    sock.on('data', (c: Buffer) => (head += c.toString('utf8')));
    sock.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? undefined : reject(e)));
    sock.on('close', () => resolve({ head, closedMs: Date.now() - t0 }));
    setTimeout(() => sock.destroy(), 5000);
  });
}

test('after a 401 the server answers and closes instead of reading the rest of a large body; a declared Content-Length over the limit gets 413 up front', async () => {
  process.env.LEG_HARDEN_KEY = 'k-123';
  const authed = await startServer(tiny.model, { apiKeyEnv: 'LEG_HARDEN_KEY' });
  const open: RunningServer = await startServer(tiny.model, { maxBodyBytes: 4096 });
  try {
    const r401 = await declare(authed.url, String(200 * 1024 * 1024), 64 * 1024);
    assert.match(r401.head, /^HTTP\/1\.1 401/);
    assert.ok(r401.closedMs < 4000, `closed after ${r401.closedMs} ms (it would otherwise wait for 200 MiB)`);
    const r413 = await declare(open.url, '5000000000', 10);
    assert.match(r413.head, /^HTTP\/1\.1 413/);
    assert.match(r413.head, /body_too_large/);
    assert.ok(r413.closedMs < 4000);
  } finally {
    await authed.close();
    await open.close();
    delete process.env.LEG_HARDEN_KEY;
  }
});

test('startServer refuses maxTokens < 1 and ports outside [0, 65535], naming the option', async () => {
  for (const maxTokens of [0, -5, 1.5])
    await assert.rejects(startServer(tiny.model, { maxTokens }), (e: unknown) => e instanceof ConfigError && e.field === 'serve.maxTokens');
  for (const port of [-1, 70000]) await assert.rejects(startServer(tiny.model, { port }), (e: unknown) => e instanceof ConfigError && e.field === 'serve.port');
});

test('serve: --port -1 / 70000, a busy port, an unresolvable host and --max-tokens 0 / -5 exit 2 naming the flag', async () => {
  const busy: NetServer = netServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const busyPort = (busy.address() as { port: number }).port;
  try {
    const cases: Array<[string[], string]> = [
      [['--port', '-1'], '--port'],
      [['--port', '70000'], '--port'],
      [['--max-tokens', '0'], '--max-tokens'],
      [['--max-tokens', '-5'], '--max-tokens'],
      [['--port', String(busyPort)], '--port'],
      [['--host', 'no-such-host.invalid'], '--host'],
    ];
    for (const [flags, flag] of cases) {
      const err: string[] = [];
      const code = await main(['serve', ...flags], { out: () => undefined, err: (s: string) => err.push(s) });
      assert.equal(code, 2, `${flags.join(' ')}: ${err.join(' ')}`);
      assert.ok(err.join(' ').includes(`"${flag}"`), `${flags.join(' ')} names ${flag}: ${err.join(' ')}`);
    }
  } finally {
    busy.close();
  }
});

test('a model that returns NaN log-probabilities gets 500 (a server fault), never a 200 with null logprobs', async () => {
  const base = new FakeModel({ id: 'nan', tokens: 'abcd'.split(''), seed: 1, maxContext: 64 });
  const nan: ModelAdapter = {
    id: 'nan',
    tokenizer: base.tokenizer,
    vocabSize: base.vocabSize,
    hiddenSize: 0,
    maxContext: 64,
    async start(prompt: string): Promise<Session> {
      const inner = await base.start(prompt);
      return {
        get length() {
          return inner.length;
        },
        next: async () => ({ logprobs: new Float32Array(base.vocabSize).fill(Number.NaN) }),
        append: (ids) => inner.append(ids),
        dispose: () => inner.dispose(),
      };
    },
    close: async () => undefined,
  };
  const s = await startServer(nan);
  try {
    const { status, json } = await post(s.url, { prompt: 'ab', max_tokens: 2, logprobs: 2, temperature: 0 });
    assert.equal(status, 500);
    assert.match(json.error.message, /NaN/);
  } finally {
    await s.close();
  }
});

test('a long token-id prompt that is non-canonical at its start is still fed as those ids', async () => {
  const tok = tiny.model.tokenizer;
  // The char tokenizer has no merges, so build a non-roundtripping start from EOS (decoded as nothing).
  const eos = tok.specialTokens.eos!;
  const ids = [...tok.encode('a'), eos, ...tok.encode('bc ab ca '.repeat(4))];
  const { status, json } = await post(tiny.server.url, { prompt: ids, max_tokens: 1, logprobs: 2, temperature: 0, return_tokens_as_token_ids: true });
  assert.equal(status, 200, JSON.stringify(json));
  const s = await tiny.model.start('a');
  await s.append(ids.slice(1));
  const lp = (await s.next()).logprobs as Float32Array;
  for (const [k, v] of Object.entries(json.choices[0].logprobs.top_logprobs[0] as Record<string, number>))
    assert.ok(Math.abs(lp[Number(k.slice(9))] - v) < 1e-6);
  await s.dispose();
});
