import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningServer, type ServeFault } from '../../../src/models/openai/startServer.js';
import { ConfigError } from '../../../src/core/errors.js';
import { exportAdapterContractTests } from '../../../src/models/contract/exportAdapterContractTests.js';
import { ModelRequestError } from '../../../src/models/errors.js';
import type { ModelAdapter, Session, TopK } from '../../../src/models/ModelAdapter.js';
import { fileURLToPath } from 'node:url';
import { OnnxCausalLM } from '../../../src/models/OnnxCausalLM.js';
import { BUNDLED_EOS_PROMPT } from '../../support/bundledPrompts.js';
import { OpenAIHttpModel, type OpenAIHttpModelOptions } from '../../../src/models/openai/OpenAIHttpModel.js';
import { startTinyServer, type TinyServer } from '../../support/tinyServer.js';

let fixture: TinyServer;
let local: OnnxCausalLM;
let server: RunningServer;
before(async () => {
  fixture = await startTinyServer(13);
  ({ model: local, server } = fixture);
});
after(() => fixture.close());

const connect = (url: string, extra: Partial<OpenAIHttpModelOptions> = {}): Promise<OpenAIHttpModel> =>
  OpenAIHttpModel.connect({ baseUrl: url, model: 'tiny', tokenizer: local.tokenizer, topK: 10, backoffMs: 5, maxBackoffMs: 20, seed: 1, ...extra });

exportAdapterContractTests('OpenAIHttpModel (local serve of the tiny decoder)', () => connect(server.url), {
  tol: 1e-4,
  reference: () => OnnxCausalLM.load(fixture.tiny.dir),
});

// A byte-level BPE model served by `serve`: EOS, multi-byte characters (東 is three byte tokens) and
// non-canonical appends must reach the model as the ids they are, as OnnxCausalLM sees them.
const byteLevelDir = fileURLToPath(new URL('../../../models/tiny-sum-bytebpe/', import.meta.url));
let byteLevel: { model: OnnxCausalLM; server: RunningServer } | undefined;
exportAdapterContractTests(
  'OpenAIHttpModel (serve of the bundled byte-level model)',
  async () => {
    byteLevel ??= await (async () => {
      const model = await OnnxCausalLM.load(byteLevelDir);
      return { model, server: await startServer(model) };
    })();
    return OpenAIHttpModel.connect({
      baseUrl: byteLevel.server.url,
      model: byteLevel.model.id,
      tokenizer: byteLevel.model.tokenizer,
      topK: 20,
      promptFormat: 'ids',
    });
  },
  {
    tol: 1e-4,
    reference: () => OnnxCausalLM.load(byteLevelDir),
    eosPrompt: BUNDLED_EOS_PROMPT,
    teardown: async () => {
      await byteLevel?.server.close();
      await byteLevel?.model.close();
    },
  },
);

test('top-k log-probs over HTTP equal the local model’s within 1e-6, ids mapped to the local tokenizer', async () => {
  const remote = await connect(server.url);
  assert.equal(remote.maxContext, 64);
  const a = await remote.start('hello');
  const b = await local.start('hello');
  await a.append([5, 6]);
  await b.append([5, 6]);
  const t = (await a.next()).logprobs as TopK;
  const full = (await b.next()).logprobs as Float32Array;
  assert.equal(t.ids.length, 10);
  t.ids.forEach((id, i) => assert.ok(Math.abs(t.logprobs[i] - full[id]) < 1e-6));
  const sorted = [...full].sort((x, y) => y - x);
  assert.ok(Math.abs(t.logprobs[0] - sorted[0]) < 1e-6, 'the best token comes first');
  const rest = 1 - sorted.slice(0, 10).reduce((s, x) => s + Math.exp(x), 0);
  assert.ok(Math.abs(t.restMass - rest) < 1e-5);
  assert.equal(remote.stats.requests, 1); // one completion (connect's /models probe is not counted)
});

/** Starts a server with `faults` (request 0 is the client's GET /models), runs one next() and returns what happened. */
async function withFaults(
  faults: ServeFault[] | ((i: number) => ServeFault | undefined),
  extra: Partial<OpenAIHttpModelOptions> = {},
): Promise<{ remote: OpenAIHttpModel; run: () => Promise<TopK>; close: () => Promise<void> }> {
  const s = await startServer(local, { faults: Array.isArray(faults) ? [undefined, ...faults] : faults });
  const remote = await connect(s.url, extra);
  let session: Session | undefined;
  return {
    remote,
    run: async () => {
      session = await remote.start('ab');
      return (await session.next()).logprobs as TopK;
    },
    close: async () => {
      await session?.dispose();
      await s.close();
    },
  };
}

test('the client survives each fault with retries and gets the right answer', async () => {
  const reference = (await (await (await connect(server.url)).start('ab')).next()).logprobs as TopK;
  const faults: ServeFault[] = [
    { kind: 'status', status: 500 },
    { kind: 'status', status: 503 },
    { kind: 'rateLimit', retryAfterS: 0.01 },
    { kind: 'garbled' },
    { kind: 'truncated' },
    { kind: 'drop' },
    { kind: 'delay', ms: 1500 },
  ];
  for (const fault of faults) {
    const f = await withFaults([fault], { timeoutMs: 500 });
    try {
      const got = await f.run();
      assert.deepEqual([...got.ids], [...reference.ids], fault.kind);
      assert.equal(f.remote.stats.retries, 1, `${fault.kind}: one retry`);
    } finally {
      await f.close();
    }
  }
});

test('Retry-After is honoured (the retry waits at least that long)', async () => {
  const f = await withFaults([{ kind: 'rateLimit', retryAfterS: 0.3 }], { backoffMs: 1 });
  try {
    const t0 = Date.now();
    await f.run();
    assert.ok(Date.now() - t0 >= 290, 'waited for Retry-After');
  } finally {
    await f.close();
  }
});

test('when retries run out the client fails cleanly with a typed error naming the URL and the fix', async () => {
  const cases: Array<[(i: number) => ServeFault | undefined, RegExp]> = [
    [(i) => (i > 0 ? { kind: 'status', status: 503 } : undefined), /HTTP 503.*gave up after 3 attempts/],
    [(i) => (i > 0 ? { kind: 'garbled' } : undefined), /not valid JSON/],
    [(i) => (i > 0 ? { kind: 'drop' } : undefined), /closed the connection before answering/],
  ];
  for (const [faults, re] of cases) {
    const f = await withFaults(faults, { maxRetries: 2 });
    try {
      await assert.rejects(
        f.run(),
        (e: unknown) => e instanceof ModelRequestError && re.test(e.message) && /\/v1\/completions/.test(e.message) && !e.retryable,
        `${re}`,
      );
      assert.equal(f.remote.stats.requests, 3);
    } finally {
      await f.close();
    }
  }
  // the deadline bounds the total time even with many retries allowed
  const f = await withFaults((i) => (i > 0 ? { kind: 'status', status: 500 } : undefined), {
    maxRetries: 1000,
    backoffMs: 20,
    maxBackoffMs: 20,
    deadlineMs: 200,
  });
  try {
    await assert.rejects(f.run(), /gave up/);
    assert.ok(f.remote.stats.requests < 100);
  } finally {
    await f.close();
  }
});

test('4xx errors are not retried', async () => {
  const remote = await connect(server.url, { topK: 50 }); // server caps logprobs at 20
  await assert.rejects(
    (await remote.start('ab')).next(),
    (e: unknown) => e instanceof ModelRequestError && e.status === 400 && /logprobs 50 exceeds/.test(e.message),
  );
  assert.equal(remote.stats.retries, 0);
  await assert.rejects(connect(server.url, { model: 'nope' }), /model "nope" is not served.*tiny/);
  await assert.rejects(connect('not a url'), ConfigError);
  await assert.rejects(connect('http://127.0.0.1:9', { maxRetries: 0 }), (e: unknown) => e instanceof ModelRequestError && /connection failed/.test(e.message));
});

test('the API key comes from the env var, is sent as a bearer token, and never appears in errors', async () => {
  process.env.LEG_HTTP_TEST_KEY = 'top-secret-key';
  const s = await startServer(local, { apiKeyEnv: 'LEG_HTTP_TEST_KEY' });
  try {
    const ok = await connect(s.url, { apiKeyEnv: 'LEG_HTTP_TEST_KEY' });
    assert.ok((await (await ok.start('ab')).next()).logprobs);
    const err = await connect(s.url).catch((e: unknown) => e);
    assert.ok(err instanceof ModelRequestError && err.status === 401 && /API key/.test(err.message));
    process.env.LEG_HTTP_TEST_KEY = 'wrong';
    const bad = await connect(s.url, { apiKeyEnv: 'LEG_HTTP_TEST_KEY' }).catch((e: unknown) => e);
    assert.ok(bad instanceof ModelRequestError && !bad.message.includes('wrong') && !bad.message.includes('top-secret'));
  } finally {
    await s.close();
    delete process.env.LEG_HTTP_TEST_KEY;
  }
  await assert.rejects(connect(server.url, { apiKeyEnv: 'LEG_HTTP_TEST_KEY' }), ConfigError);
});

test('the concurrency limit caps requests in flight', async () => {
  let inFlight = 0;
  let peak = 0;
  const counting: ModelAdapter = {
    ...local,
    id: 'tiny',
    tokenizer: local.tokenizer,
    vocabSize: local.vocabSize,
    hiddenSize: local.hiddenSize,
    maxContext: local.maxContext,
    start: async (p) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 30));
      const s = await local.start(p);
      return {
        get length() {
          return s.length;
        },
        next: () => s.next(),
        append: (ids) => s.append(ids),
        dispose: async () => {
          inFlight--;
          await s.dispose();
        },
      };
    },
    close: async () => undefined,
  };
  const s = await startServer(counting, { prefixCacheSize: 0 });
  try {
    const remote = await connect(s.url, { concurrency: 2 });
    await Promise.all(['a', 'b', 'c', 'ab', 'ba', 'cc'].map(async (p) => (await remote.start(p)).next()));
    assert.equal(peak, 2);
  } finally {
    await s.close();
  }
});

test('chat-style logprobs (content[].top_logprobs with bytes, as llama.cpp sends) are mapped too; unknown tokens go to restMass', async () => {
  const { createServer } = await import('node:http');
  const enc = (s: string): number[] => [...new TextEncoder().encode(s)];
  const stub = createServer((req, res) => {
    const body = req.url?.endsWith('/models')
      ? { data: [{ id: 'stub' }] }
      : {
          choices: [
            {
              logprobs: {
                content: [
                  {
                    token: 'a',
                    logprob: -0.5,
                    top_logprobs: [
                      { token: 'a', logprob: Math.log(0.5), bytes: enc('a') },
                      { token: 'garbled-text', logprob: Math.log(0.2), bytes: enc('b') }, // bytes win over the token text
                      { token: '€', logprob: Math.log(0.1), bytes: enc('€') }, // not in the local vocabulary
                    ],
                  },
                ],
              },
            },
          ],
        };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => stub.listen(0, '127.0.0.1', () => r()));
  try {
    const port = (stub.address() as { port: number }).port;
    // The stub reports no context length: no silent default, the error names the option.
    await assert.rejects(
      OpenAIHttpModel.connect({ baseUrl: `http://127.0.0.1:${port}/v1/`, model: 'stub', tokenizer: local.tokenizer }),
      (e: unknown) => e instanceof ConfigError && e.field === 'maxContext',
    );
    const remote = await OpenAIHttpModel.connect({ baseUrl: `http://127.0.0.1:${port}/v1/`, model: 'stub', tokenizer: local.tokenizer, maxContext: 4096 });
    assert.equal(remote.maxContext, 4096);
    const t = (await (await remote.start('x')).next()).logprobs as TopK;
    const tok = local.tokenizer;
    assert.deepEqual([...t.ids], [tok.tokenToId('a'), tok.tokenToId('b')]);
    assert.ok(Math.abs(t.restMass - 0.3) < 1e-6);
    await remote.close();
  } finally {
    stub.close();
  }
});

test('a response over maxResponseBytes is cut off (declared or streamed without end) and fails with a typed error naming the URL and the option', async () => {
  const { createServer } = await import('node:http');
  let streamClosed = 0;
  const stub = createServer((req, res) => {
    if (req.url?.endsWith('/models')) return res.end(JSON.stringify({ data: [{ id: 'stub' }] }));
    if (req.url?.includes('declared')) {
      const big = JSON.stringify({ choices: [{ logprobs: null, pad: 'x'.repeat(100_000) }] });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(big)) });
      return res.end(big);
    }
    // An endless chunked body: only the client closing the connection stops it.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"choices": [');
    const timer = setInterval(() => res.write(' '.repeat(1024)), 2);
    res.on('close', () => {
      clearInterval(timer);
      streamClosed++;
    });
  });
  await new Promise<void>((r) => stub.listen(0, '127.0.0.1', () => r()));
  try {
    const port = (stub.address() as { port: number }).port;
    for (const path of ['declared', 'streamed']) {
      const base = `http://127.0.0.1:${port}/${path}`;
      const remote = await OpenAIHttpModel.connect({
        baseUrl: base,
        model: 'stub',
        tokenizer: local.tokenizer,
        maxResponseBytes: 16_384,
        timeoutMs: 10_000,
        maxContext: 64,
      });
      await assert.rejects(
        (await remote.start('x')).next(),
        (e: unknown) =>
          e instanceof ModelRequestError &&
          e.message.includes(`${base}/v1/completions`) &&
          /maxResponseBytes/.test(e.message) &&
          /limit 16384/.test(e.message) &&
          !e.retryable,
      );
      assert.equal(remote.stats.requests, 1, 'an oversized answer is not retried');
      await remote.close();
    }
    for (let i = 0; i < 200 && streamClosed === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(streamClosed, 1, 'the client closed the endless stream');
  } finally {
    stub.closeAllConnections();
    stub.close();
  }
  await assert.rejects(connect(server.url, { maxResponseBytes: 0 }), (e: unknown) => e instanceof ConfigError && e.field === 'maxResponseBytes');
});

test('tokenIdKeys (vLLM return_tokens_as_token_ids): top tokens come back as token_id:N and map to exactly those ids, byte tokens of 東 included', async () => {
  const m = await OnnxCausalLM.load(byteLevelDir);
  const s = await startServer(m);
  try {
    const remote = await OpenAIHttpModel.connect({ baseUrl: s.url, model: m.id, tokenizer: m.tokenizer, topK: 20, tokenIdKeys: true });
    const bytes = m.tokenizer.encode('東');
    const a = await remote.start('ab ');
    const b = await m.start('ab ');
    await a.append(bytes.slice(0, 1));
    await b.append(bytes.slice(0, 1));
    const t = (await a.next()).logprobs as TopK;
    const full = (await b.next()).logprobs as Float32Array;
    assert.equal(t.ids.length, 20);
    t.ids.forEach((id, i) => assert.ok(Math.abs(t.logprobs[i] - full[id]) < 1e-5, `id ${id}`));
    await remote.close();
  } finally {
    await s.close();
    await m.close();
  }
});
