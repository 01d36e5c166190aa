// OpenAIHttpModel against a fake server on 127.0.0.1 that replays what real servers send
// (test/fixtures/llamacpp: raw llama.cpp responses) and the documented shapes of llama.cpp's native
// /completion, /props and chat completions: EOS as the top token, EOS and byte tokens under "", id
// prompts with a text fallback, the context length from the server or config.json, a server that
// dies, and replicas.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../src/core/errors.js';
import { ModelInputError, ModelRequestError } from '../../../src/models/errors.js';
import type { TopK } from '../../../src/models/ModelAdapter.js';
import { OpenAIHttpModel, type OpenAIHttpModelOptions } from '../../../src/models/openai/OpenAIHttpModel.js';
import { startServer } from '../../../src/models/openai/startServer.js';
import { EnsembleDecodingEnv } from '../../../src/envs/EnsembleDecodingEnv.js';
import { FakeModel, ListTokenizer } from '../../../src/testing/decodingFakes.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../fixtures/llamacpp/${name}.json`, import.meta.url), 'utf8'));
const tokenizer = new ListTokenizer([
  'the',
  ' red',
  ' cat',
  ' sees',
  ' dog',
  ' in',
  ' ',
  'c',
  'a',
  't',
  ' owl',
  ' hen',
  ' bee',
  ' cow',
  ' yak',
  'Z',
  '6',
  '.',
  'ar',
  ' the',
  'r',
]);
const EOS = tokenizer.specialTokens.eos!;
const id = (s: string): number => tokenizer.tokenToId(s)!;

interface Seen {
  readonly path: string;
  readonly body: Record<string, unknown> | undefined;
}

/** A server answering `answer(path, body)` (status 200 unless it returns `[status, json]`); records what it got. */
async function fakeServer(
  answer: (path: string, body: Record<string, unknown> | undefined) => unknown,
): Promise<{ url: string; seen: Seen[]; server: Server; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : undefined;
      seen.push({ path, body });
      const out = answer(path, body);
      const [status, json] = Array.isArray(out) && typeof out[0] === 'number' ? (out as [number, unknown]) : [200, out];
      const text = JSON.stringify(json);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of closers) await c();
});

/** A fake llama-cpp-python: /v1/models without a context length, /props with it, completions answered by `completion`. */
async function llamaCppPython(completion: (body: Record<string, unknown>) => unknown): Promise<Awaited<ReturnType<typeof fakeServer>>> {
  const s = await fakeServer((path, body) => {
    if (path === '/v1/models') return { object: 'list', data: [{ id: 'tiny-gpt2', object: 'model', owned_by: 'me', permissions: [] }] };
    if (path === '/props') return { default_generation_settings: { n_ctx: 128 }, total_slots: 1 };
    if (path === '/v1/completions') return completion(body!);
    return [404, { error: { message: 'not found' } }];
  });
  closers.push(s.close);
  return s;
}

const connect = (url: string | string[], extra: Partial<OpenAIHttpModelOptions> = {}): Promise<OpenAIHttpModel> =>
  OpenAIHttpModel.connect({
    baseUrl: url,
    model: 'tiny-gpt2',
    tokenizer,
    topK: 5,
    backoffMs: 5,
    maxBackoffMs: 10,
    seed: 1,
    onWarning: () => undefined,
    ...extra,
  });

test('end of text as the top token (empty logprobs, finish_reason "stop", as llama.cpp sends it) credits EOS instead of throwing', async () => {
  const s = await llamaCppPython(() => fixture('eos'));
  const m = await connect(s.url);
  const t = (await (await m.start('the red cat.')).next()).logprobs as TopK;
  assert.deepEqual([...t.ids], [EOS]);
  assert.equal(t.logprobs[0], 0);
  assert.equal(t.restMass, 0);
  await m.close();
});

test('EOS listed under the key "" is credited to EOS; byte tokens under "" (the generated token itself is "") go to restMass with one warning', async () => {
  // noecho.json with EOS added as the llama.cpp server shows it when it is not first: under "".
  const withEos = fixture('noecho') as { choices: Array<{ logprobs: { top_logprobs: Array<Record<string, number>> } }> };
  withEos.choices[0].logprobs.top_logprobs[0][''] = -2.5;
  const warnings: string[] = [];
  let answer: unknown = withEos;
  const s = await llamaCppPython(() => answer);
  const m = await connect(s.url, { onWarning: (w) => warnings.push(w) });
  const t = (await (await m.start('the red cat sees the')).next()).logprobs as TopK;
  const eosAt = [...t.ids].indexOf(EOS);
  assert.ok(eosAt >= 0, 'EOS is among the candidates');
  assert.ok(Math.abs(t.logprobs[eosAt] - -2.5) < 1e-6);
  assert.equal(t.ids[0], id(' owl'));

  answer = fixture('tokyo');
  const k = (await (await m.start('the red cat sees the dog in ')).next()).logprobs as TopK;
  assert.deepEqual([...k.ids], [id('Z'), id('6')], 'the byte token under "" is not mistaken for EOS');
  assert.ok(Math.abs(k.restMass - (1 - Math.exp(-1.6951651573181152) - Math.exp(-7.89070463180542))) < 1e-6);
  await (await m.start('the')).next();
  await (await m.start('the red')).next();
  assert.equal(warnings.filter((w) => w.includes('""')).length, 1, 'the byte-token warning is said once');
  await m.close();
});

test('prompts go as token ids (prompt + appended, non-canonical splits kept); a server that rejects ids gets text, with one warning saying what is lost', async () => {
  const s = await llamaCppPython(() => fixture('cafe'));
  const m = await connect(s.url);
  const session = await m.start('the red');
  await session.append([id(' '), id('c'), id('a'), id('t')]);
  await session.next();
  const sent = s.seen.filter((x) => x.path === '/v1/completions').at(-1)!.body!;
  assert.deepEqual(sent.prompt, [...tokenizer.encode('the red'), id(' '), id('c'), id('a'), id('t')]);
  await m.close();

  const warnings: string[] = [];
  const textOnly = await llamaCppPython((body) =>
    typeof body.prompt === 'string' ? fixture('cafe') : [400, { error: { message: 'prompt must be a string' } }],
  );
  const t = await connect(textOnly.url, { onWarning: (w) => warnings.push(w) });
  for (let i = 0; i < 2; i++) {
    const x = await t.start('the red');
    await x.append([id(' cat')]);
    assert.equal(((await x.next()).logprobs as TopK).ids[0], id('.'));
  }
  const bodies = textOnly.seen.filter((x) => x.path === '/v1/completions').map((x) => x.body!.prompt);
  assert.deepEqual(bodies, [[...tokenizer.encode('the red'), id(' cat')], 'the red cat', 'the red cat'], 'ids once, then text from then on');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /re-tokenizes/);
  await t.close();
  await assert.rejects(connect(s.url, { endpoint: 'chat', topK: 21 }), (e: unknown) => e instanceof ConfigError && e.field === 'topK' && /20/.test(e.message));
});

test('the context length comes from llama.cpp /props, else config.json, else an error naming maxContext; a prompt past it is refused locally', async () => {
  const s = await llamaCppPython(() => fixture('cafe'));
  const m = await connect(s.url);
  assert.equal(m.maxContext, 128);
  await assert.rejects(m.start('the red cat '.repeat(60)), ModelInputError);
  await m.close();

  const bare = await fakeServer((path) => (path === '/v1/models' ? { data: [{ id: 'tiny-gpt2' }] } : [404, { error: { message: 'no route' } }]));
  closers.push(bare.close);
  await assert.rejects(connect(bare.url), (e: unknown) => e instanceof ConfigError && e.field === 'maxContext' && /configJson/.test(e.message));
  const dir = await mkdtemp(join(tmpdir(), 'leg-cfg-'));
  try {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ n_positions: 96 }));
    const c = await connect(bare.url, { configJson: join(dir, 'config.json') });
    assert.equal(c.maxContext, 96);
    await c.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  assert.equal((await connect(bare.url, { maxContext: 7 })).maxContext, 7);
});

test('a server that dies after answering reads as "the server closed / crashed", not a generic connection error', async () => {
  const s = await llamaCppPython(() => fixture('cafe'));
  const m = await connect(s.url, { maxRetries: 1 });
  await (await m.start('the')).next();
  await s.close();
  await assert.rejects(
    (await m.start('the red')).next(),
    (e: unknown) => e instanceof ModelRequestError && /server closed/.test(e.message) && /crashed/.test(e.message),
  );
  await m.close();
});

test('endpoint "llamacpp": native /completion with n_probs sends ids and reads ids (no text lookup); EOS with stop_type "eos" and no probabilities is credited', async () => {
  let eosNext = false;
  const s = await fakeServer((path, body) => {
    if (path === '/v1/models') return { data: [{ id: 'tiny-gpt2' }] };
    if (path === '/props') return { n_ctx: 128, default_generation_settings: { n_ctx: 128 } };
    if (path !== '/completion') return [404, {}];
    if (eosNext) return { content: '', stop: true, stop_type: 'eos', completion_probabilities: [] };
    assert.ok(Array.isArray(body!.prompt) && body!.n_probs === 5 && body!.n_predict === 1);
    // Two byte tokens with the same (empty) text stay apart: ids are exact.
    return {
      content: '',
      stop_type: 'limit',
      completion_probabilities: [
        {
          id: 16,
          token: '',
          bytes: [230],
          logprob: -0.2,
          top_logprobs: [
            { id: 16, token: '', bytes: [230], logprob: -0.2 },
            { id: 17, token: '', bytes: [231], logprob: -2 },
            { id: EOS, token: '', bytes: [], logprob: -3 },
          ],
        },
      ],
    };
  });
  closers.push(s.close);
  const m = await connect(s.url, { endpoint: 'llamacpp' });
  assert.equal(m.maxContext, 128);
  const t = (await (await m.start('the')).next()).logprobs as TopK;
  assert.deepEqual([...t.ids], [16, 17, EOS]);
  eosNext = true;
  const e = (await (await m.start('the red')).next()).logprobs as TopK;
  assert.deepEqual([...e.ids], [EOS]);
  await m.close();
});

test('endpoint "chat": top_logprobs from /v1/chat/completions; appended text continues the assistant message; empty content with "stop" is EOS', async () => {
  let stop = false;
  const s = await fakeServer((path, body) => {
    if (path === '/v1/models') return { data: [{ id: 'tiny-gpt2', max_model_len: 64 }] };
    if (stop) return { choices: [{ index: 0, finish_reason: 'stop', logprobs: { content: [] } }] };
    assert.equal(body!.top_logprobs, 5);
    return {
      choices: [
        {
          index: 0,
          finish_reason: 'length',
          logprobs: {
            content: [
              {
                token: ' owl',
                logprob: -0.5,
                bytes: [32, 111, 119, 108],
                top_logprobs: [
                  { token: ' owl', logprob: -0.5, bytes: [32, 111, 119, 108] },
                  { token: ' hen', logprob: -1.5, bytes: null },
                ],
              },
            ],
          },
        },
      ],
    };
  });
  closers.push(s.close);
  const m = await connect(s.url, { endpoint: 'chat' });
  const session = await m.start('the red');
  await session.append([id(' cat')]);
  const t = (await session.next()).logprobs as TopK;
  assert.deepEqual([...t.ids], [id(' owl'), id(' hen')]);
  const sent = s.seen.at(-1)!.body!;
  assert.deepEqual(sent.messages, [
    { role: 'user', content: 'the red' },
    { role: 'assistant', content: ' cat' },
  ]);
  assert.equal(sent.continue_final_message, true);
  stop = true;
  assert.deepEqual([...((await (await m.start('the')).next()).logprobs as TopK).ids], [EOS]);
  await m.close();
});

test('replicas: sessions spread least-loaded (or round robin) over several base URLs; a dead replica hands its sessions to the others', async () => {
  const model = new FakeModel({ id: 'fake', tokens: 'abcdefgh '.split(''), seed: 3, maxContext: 64 });
  const servers = await Promise.all([0, 1, 2].map(() => startServer(model, { prefixCacheSize: 0 })));
  try {
    const m = await OpenAIHttpModel.connect({
      baseUrl: servers.map((s) => s.url),
      model: 'fake',
      tokenizer: model.tokenizer,
      topK: 3,
      backoffMs: 5,
      maxBackoffMs: 10,
    });
    const before = servers.map((s) => s.requestCount());
    const sessions = await Promise.all(Array.from({ length: 6 }, () => m.start('ab')));
    assert.deepEqual(m.sessionsPerReplica(), [2, 2, 2]);
    await sessions[0].dispose();
    await sessions[1].dispose();
    assert.deepEqual([...m.sessionsPerReplica()].sort(), [1, 1, 2]);
    const extra = await m.start('ab'); // least loaded: one of the replicas with one session
    assert.equal(Math.max(...m.sessionsPerReplica()), 2);
    for (const s of [...sessions.slice(2), extra]) await s.next();
    assert.ok(
      servers.every((s, i) => s.requestCount() > before[i]),
      'every replica served requests',
    );
    // One replica dies: its sessions move to the others and still answer.
    await servers[0].close();
    const answers = await Promise.all(
      [...sessions.slice(2), extra].map(async (s) => {
        await s.append([1]);
        return (await s.next()).logprobs as TopK;
      }),
    );
    assert.ok(answers.every((a) => a.ids.length > 0));
    assert.equal(m.sessionsPerReplica()[0], 0);
    await m.close();

    const rr = await OpenAIHttpModel.connect({ baseUrl: servers.slice(1).map((s) => s.url), model: 'fake', tokenizer: model.tokenizer, spread: 'roundRobin' });
    const a = await rr.start('ab');
    await a.dispose();
    await rr.start('ab');
    assert.deepEqual(rr.sessionsPerReplica(), [0, 1], 'round robin moves on even when the first replica is free again');
    await rr.close();
  } finally {
    for (const s of servers.slice(1)) await s.close();
  }
});

test('an EnsembleDecodingEnv episode with a llama.cpp model that predicts end of text runs to its end (it used to abort)', async () => {
  const chars = 'the red cat.'.split('');
  const local = new FakeModel({ id: 'local', tokens: chars, seed: 4, hiddenSize: 6 });
  const s = await fakeServer((path) => {
    if (path === '/v1/models') return { data: [{ id: 'tiny-gpt2' }] };
    if (path === '/props') return { n_ctx: 128 };
    return fixture('eos');
  });
  closers.push(s.close);
  const remote = await OpenAIHttpModel.connect({ baseUrl: s.url, model: 'tiny-gpt2', tokenizer: new ListTokenizer(chars), topK: 5 });
  const env = new EnsembleDecodingEnv({
    models: [local, remote],
    items: [{ prompt: 'the red', answer: ' cat.' }],
    spanLength: 2,
    maxSteps: 6,
    obsHiddenDim: 4,
  });
  await env.reset({ seed: 1 });
  let steps = 0;
  let ended = false;
  while (!ended) {
    const actions = Object.fromEntries(env.agents.map((a) => [a, env.actionSpace(a).sample()]));
    const r = await env.step(actions);
    steps++;
    ended = Object.values(r.terminations).some(Boolean) || Object.values(r.truncations).some(Boolean);
    assert.ok(Object.values(r.rewards).every(Number.isFinite));
  }
  assert.ok(steps >= 1 && steps <= 6);
  await env.close();
});
