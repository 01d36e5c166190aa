import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningServer } from '../../../src/models/openai/startServer.js';
import { ConfigError } from '../../../src/core/errors.js';
import { OnnxCausalLM } from '../../../src/models/OnnxCausalLM.js';
import type { ModelAdapter } from '../../../src/models/ModelAdapter.js';
import { tokenText } from '../../../src/models/tokenText.js';
import type { TinyDecoderDir } from '../../../src/testing/tinyDecoder.js';
import { startTinyServer, type TinyServer } from '../../support/tinyServer.js';

let fixture: TinyServer;
let tiny: TinyDecoderDir;
let model: OnnxCausalLM;
let server: RunningServer;
before(async () => {
  fixture = await startTinyServer(21, { maxTokens: 8, maxBodyBytes: 2000 });
  ({ tiny, model, server } = fixture);
});
after(() => fixture.close());

async function post(body: unknown, url = `${server.url}/v1/completions`, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

test('GET /v1/models lists the model with its context length', async () => {
  const res = await fetch(`${server.url}/v1/models`);
  assert.equal(res.status, 200);
  const json = (await res.json()) as { object: string; data: Array<{ id: string; max_model_len: number }> };
  assert.equal(json.object, 'list');
  assert.deepEqual(
    json.data.map((m: { id: string }) => m.id),
    ['tiny'],
  );
  assert.equal(json.data[0].max_model_len, 64);
  assert.ok(server.url.startsWith('http://127.0.0.1:'));
});

test('greedy completion with top-k logprobs matches the adapter', async () => {
  const { status, json } = await post({ model: 'tiny', prompt: 'abc', max_tokens: 3, logprobs: 5, temperature: 0 });
  assert.equal(status, 200);
  const choice = json.choices[0];
  // recompute greedily with the adapter
  const s = await model.start('abc');
  let text = '';
  const first = (await s.next()).logprobs as Float32Array;
  for (let t = 0; t < 3; t++) {
    const lp = (await s.next()).logprobs as Float32Array;
    const id = lp.indexOf(Math.max(...lp));
    assert.ok(Math.abs(choice.logprobs.token_logprobs[t] - lp[id]) < 1e-6);
    text += model.tokenizer.decode([id]);
    await s.append([id]);
  }
  await s.dispose();
  assert.equal(choice.text, text);
  assert.equal(choice.finish_reason, 'length');
  const top = choice.logprobs.top_logprobs[0];
  assert.equal(Object.keys(top).length, 5);
  const best = first.indexOf(Math.max(...first));
  assert.ok(Math.abs(top[tokenText(model.tokenizer, best)] - first[best]) < 1e-6);
  assert.deepEqual(json.usage, { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 });
  assert.equal(json.object, 'text_completion');
});

test('echo prepends the prompt; prompt tokens have null logprobs; no logprobs gives null', async () => {
  const { json } = await post({ prompt: 'ab', max_tokens: 1, logprobs: 1, echo: true, temperature: 0 });
  assert.ok(json.choices[0].text.startsWith('ab'));
  assert.deepEqual(json.choices[0].logprobs.token_logprobs.slice(0, 2), [null, null]);
  assert.deepEqual(json.choices[0].logprobs.text_offset, [0, 1, 2]);
  const plain = await post({ prompt: ['ab'], max_tokens: 2, temperature: 0.7, seed: 3 });
  assert.equal(plain.json.choices[0].logprobs, null);
  const again = await post({ prompt: ['ab'], max_tokens: 2, temperature: 0.7, seed: 3 });
  assert.equal(plain.json.choices[0].text, again.json.choices[0].text);
});

test('bad requests get OpenAI-shaped errors with the right status', async () => {
  const cases: Array<[unknown, number, RegExp]> = [
    ['{nope', 400, /not valid JSON/],
    [{ max_tokens: 1 }, 400, /prompt/],
    [{ prompt: 'a', max_tokens: 9 }, 400, /max_tokens 9 exceeds/],
    [{ prompt: 'a', logprobs: 21 }, 400, /logprobs 21 exceeds/],
    [{ prompt: 'a', model: 'other' }, 404, /does not exist/],
    [{ prompt: 'a'.repeat(2000) }, 413, /exceeds 2000 bytes/],
    [{ prompt: 'a'.repeat(70) }, 400, /exceed the context/],
  ];
  for (const [body, status, re] of cases) {
    const res = await post(body);
    assert.equal(res.status, status, JSON.stringify(body).slice(0, 40));
    assert.match(res.json.error.message, re);
    assert.ok('type' in res.json.error && 'code' in res.json.error && 'param' in res.json.error);
  }
  assert.equal((await post({ prompt: 'a' }, `${server.url}/v1/chat/completions`)).status, 404);
  assert.equal((await fetch(`${server.url}/v1/completions`)).status, 405);
});

test('bearer auth: the key from the env var is required, compared in constant time', async () => {
  process.env.LEG_SERVE_TEST_KEY = 'sekrit-123';
  const s = await startServer(model, { apiKeyEnv: 'LEG_SERVE_TEST_KEY' });
  try {
    const denied = await post({ prompt: 'a', max_tokens: 1 }, `${s.url}/v1/completions`);
    assert.equal(denied.status, 401);
    assert.equal(denied.json.error.code, 'invalid_api_key');
    assert.ok(!JSON.stringify(denied.json).includes('sekrit'));
    assert.equal((await post({ prompt: 'a', max_tokens: 1 }, `${s.url}/v1/completions`, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await post({ prompt: 'a', max_tokens: 1 }, `${s.url}/v1/completions`, { authorization: 'Bearer sekrit-123' })).status, 200);
  } finally {
    await s.close();
    delete process.env.LEG_SERVE_TEST_KEY;
  }
  await assert.rejects(startServer(model, { apiKeyEnv: 'LEG_SERVE_TEST_KEY' }), ConfigError);
});

test('a request slower than requestTimeoutMs gets 504', async () => {
  const slow: ModelAdapter = {
    id: 'slow',
    tokenizer: model.tokenizer,
    vocabSize: model.vocabSize,
    hiddenSize: 0,
    maxContext: 64,
    start: () => new Promise(() => undefined), // never answers
    close: async () => undefined,
  };
  const s = await startServer(slow, { requestTimeoutMs: 50 });
  try {
    const res = await post({ prompt: 'a', max_tokens: 1 }, `${s.url}/v1/completions`);
    assert.equal(res.status, 504);
    assert.equal(res.json.error.code, 'timeout');
  } finally {
    await s.close();
  }
});

test('injected faults: status, rate limit with Retry-After, garbled, truncated, dropped', async () => {
  const s = await startServer(model, {
    faults: [{ kind: 'status', status: 503 }, { kind: 'rateLimit', retryAfterS: 2 }, { kind: 'garbled' }, { kind: 'truncated' }, { kind: 'drop' }],
  });
  const req = (): Promise<Response> => fetch(`${s.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ prompt: 'ab', max_tokens: 1 }) });
  try {
    assert.equal((await req()).status, 503);
    const limited = await req();
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '2');
    await assert.rejects((await req()).json(), SyntaxError);
    await assert.rejects(req().then((r) => r.text()));
    await assert.rejects(req());
    assert.equal((await req()).status, 200);
    assert.equal(s.requestCount(), 6);
  } finally {
    await s.close();
  }
});

test('the prefix cache continues a kept session: a grown prompt costs only its new tokens', async () => {
  const m = await OnnxCausalLM.load(tiny.dir, { id: 'tiny' });
  const s = await startServer(m);
  const url = `${s.url}/v1/completions`;
  try {
    const first = await post({ prompt: 'hello', max_tokens: 1, logprobs: 3, temperature: 0 }, url);
    assert.equal(m.stats.tokensProcessed, 6); // BOS + 5
    const grown = await post({ prompt: 'hello w', max_tokens: 1, logprobs: 3, temperature: 0 }, url);
    assert.equal(m.stats.tokensProcessed, 6 + 2);
    // same answers as a server without the cache
    const plain = await startServer(model, { prefixCacheSize: 0 });
    try {
      for (const [cached, prompt] of [
        [first, 'hello'],
        [grown, 'hello w'],
      ] as const) {
        const ref = await post({ prompt, max_tokens: 1, logprobs: 3, temperature: 0 }, `${plain.url}/v1/completions`);
        const a = cached.json.choices[0].logprobs.top_logprobs[0];
        const b = ref.json.choices[0].logprobs.top_logprobs[0];
        assert.deepEqual(Object.keys(a), Object.keys(b));
        for (const key of Object.keys(a)) assert.ok(Math.abs(a[key] - b[key]) < 1e-4);
      }
    } finally {
      await plain.close();
    }
    // an unrelated prompt starts a new session
    await post({ prompt: 'abc', max_tokens: 1 }, url);
    assert.equal(m.stats.tokensProcessed, 8 + 4);
  } finally {
    await s.close();
    await m.close();
  }
});

test('the server checks the prompt against maxContext itself: an adapter that does not check cannot answer 200 with an empty completion', async () => {
  // Claims a context of 8 but starts sessions of any length, as an adapter without its own check does.
  const lax: ModelAdapter = {
    id: 'lax',
    tokenizer: model.tokenizer,
    vocabSize: model.vocabSize,
    hiddenSize: 0,
    maxContext: 8,
    start: (prompt) => model.start(prompt),
    close: async () => undefined,
  };
  const s = await startServer(lax);
  try {
    const url = `${s.url}/v1/completions`;
    for (const prompt of ['ab'.repeat(10), 'a'.repeat(8)]) {
      const res = await post({ prompt, max_tokens: 2 }, url);
      assert.equal(res.status, 400, `prompt of ${model.tokenizer.encode(prompt).length} tokens`);
      assert.equal(res.json.error.code, 'context_length_exceeded');
      assert.equal(res.json.error.param, 'prompt');
      assert.equal(res.json.error.type, 'invalid_request_error');
      assert.match(res.json.error.message, /maximum context length is 8 tokens/);
    }
    const ok = await post({ prompt: 'ab', max_tokens: 2 }, url);
    assert.equal(ok.status, 200);
    assert.ok(ok.json.choices[0].text.length > 0);
  } finally {
    await s.close();
  }
});
