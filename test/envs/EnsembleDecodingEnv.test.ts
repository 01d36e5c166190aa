import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EnsembleDecodingEnv, type DecodingItem } from '../../src/envs/EnsembleDecodingEnv.js';
import { checkParallelEnv } from '../../src/core/checkParallelEnv.js';
import { ConfigError, EnvStateError, InvalidActionError } from '../../src/core/errors.js';
import { OnnxCausalLM } from '../../src/models/OnnxCausalLM.js';
import { makeTinyDecoderDir } from '../../src/testing/tinyDecoder.js';
import { sumReverseTask } from '../../src/ensemble/tasks/sumReverseTask.js';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FakeModel, decodeAlone } from '../../src/testing/decodingFakes.js';

const CHARS = '0123456789+=;abc '.split('');
const ITEMS: DecodingItem[] = [
  { id: 'a', prompt: '12+3=', answer: '15;' },
  { id: 'b', prompt: '4+4=', answer: '8;' },
  { id: 'c', prompt: 'ab+c=', answer: 'cba;' },
];
const TEACH = new Map(ITEMS.map((it) => [it.prompt, it.answer]));

function models(seed = 1, opts: { hidden?: boolean; topK?: boolean } = {}): FakeModel[] {
  return [
    new FakeModel({ id: 'char', tokens: CHARS, seed, hiddenSize: opts.hidden === false ? 0 : 12 }),
    new FakeModel({ id: 'pairs', tokens: [...CHARS, '12', '15', 'cb', ';'], seed: seed + 1, topK: opts.topK ? 5 : undefined }),
    new FakeModel({ id: 'teacher', tokens: [...CHARS, 'ba', '8;'], seed: seed + 2, hiddenSize: 7, teacher: TEACH }),
  ];
}

function makeEnv(ms: FakeModel[] = models(), extra: Partial<ConstructorParameters<typeof EnsembleDecodingEnv>[0]> = {}): EnsembleDecodingEnv {
  return new EnsembleDecodingEnv({ models: ms, items: ITEMS, endOfAnswer: ';', spanLength: 2, maxSteps: 4, obsHiddenDim: 8, ...extra });
}

test('passes checkParallelEnv (hidden-state and top-k adapters mixed)', async () => {
  const report = await checkParallelEnv(() => makeEnv(models(1, { topK: true })), { steps: 40 });
  assert.deepEqual(report.problems, []);
  assert.ok(report.ok);
});

test('passes checkParallelEnv with sampling and concentrations', async () => {
  const report = await checkParallelEnv(() => makeEnv(models(3, { hidden: false }), { decoding: 'sample', actionParam: 'concentration', stepCost: 0.01 }), {
    steps: 30,
  });
  assert.deepEqual(report.problems, []);
});

test('spaces, agents and state have the documented shapes', async () => {
  const env = makeEnv();
  assert.deepEqual(env.possibleAgents, ['char', 'pairs', 'teacher']);
  const { observations } = await env.reset({ seed: 0 });
  const dim = 8 + 4 + 3;
  for (const a of env.possibleAgents) {
    assert.equal(observations[a].length, dim);
    assert.ok(env.observationSpace(a).contains(observations[a]));
    assert.equal(env.actionSpace(a).flatDim, 1);
  }
  assert.equal(env.state().length, 3 * dim);
  assert.deepEqual(Array.from(env.state().subarray(dim, 2 * dim)), Array.from(observations.pairs));
  // Previous weights start uniform.
  assert.deepEqual(Array.from(observations.char.subarray(12)), [1 / 3, 1 / 3, 1 / 3].map(Math.fround));
  await env.close();
});

test('all weight on the teacher decodes the reference answer: terminated with reward 1 and full infos', async () => {
  const env = makeEnv();
  for (let idx = 0; idx < ITEMS.length; idx++) {
    await env.reset({ seed: 0, options: { itemIndex: idx } });
    const act = { char: Float32Array.of(-50), pairs: Float32Array.of(-50), teacher: Float32Array.of(50) };
    let res;
    let steps = 0;
    do {
      res = await env.step(act);
      steps++;
    } while (env.agents.length > 0);
    assert.equal(res.terminations.teacher, true);
    assert.equal(res.truncations.teacher, false);
    assert.equal(res.rewards.char, 1);
    assert.equal(res.rewards.teacher, 1);
    const info = res.infos.pairs as { text: string; score: number; success: boolean; weights: number[]; tokenCounts: Record<string, number> };
    assert.equal(info.text, ITEMS[idx].answer);
    assert.equal(info.success, true);
    assert.ok(info.weights[2] > 0.999);
    assert.ok(Object.values(info.tokenCounts).every((n) => Number.isInteger(n) && n >= 0));
    // Tokens are fed back to every model except the one that completes the answer.
    if (idx === 0) assert.ok(info.tokenCounts.char >= 2 && info.tokenCounts.teacher >= 2, JSON.stringify(info.tokenCounts));
    assert.equal(steps, Math.ceil(ITEMS[idx].answer.length / 2) || 1);
  }
  await env.close();
});

test('episodes that do not finish are truncated after maxSteps with a finite reward', async () => {
  const env = makeEnv(models(5), { maxSteps: 2, endOfAnswer: '#', items: [{ prompt: '1+1=', answer: '2#' }] });
  await env.reset({ seed: 1 });
  const act = { char: Float32Array.of(5), pairs: Float32Array.of(0), teacher: Float32Array.of(-5) };
  let res = await env.step(act);
  if (env.agents.length > 0) res = await env.step(act);
  assert.equal(env.agents.length, 0);
  assert.ok(res.terminations.char || res.truncations.char);
  assert.ok(Number.isFinite(res.rewards.char));
  await assert.rejects(env.step(act), EnvStateError);
  await env.close();
});

test('invalid actions throw InvalidActionError and leave the episode unchanged', async () => {
  const a = makeEnv();
  const b = makeEnv();
  await a.reset({ seed: 9 });
  await b.reset({ seed: 9 });
  const good = { char: Float32Array.of(0.3), pairs: Float32Array.of(-1), teacher: Float32Array.of(2) };
  await assert.rejects(a.step({ ...good, char: Float32Array.of(NaN) }), InvalidActionError);
  await assert.rejects(a.step({ char: good.char, pairs: good.pairs } as never), /agent "teacher"/);
  await assert.rejects(a.step({ ...good, stranger: Float32Array.of(0) }), InvalidActionError);
  await assert.rejects(a.step({ ...good, pairs: Float32Array.of(1, 2) }), InvalidActionError);
  const ra = await a.step(good);
  const rb = await b.step(good);
  assert.deepEqual(ra.infos.char, rb.infos.char);
  assert.deepEqual(ra.observations, rb.observations);
  await a.close();
  await b.close();
});

test('concentration actions must be non-negative', async () => {
  const env = makeEnv(models(), { actionParam: 'concentration' });
  await env.reset({ seed: 0 });
  await assert.rejects(env.step({ char: Float32Array.of(-1), pairs: Float32Array.of(1), teacher: Float32Array.of(1) }), InvalidActionError);
  await env.close();
});

test('bad configuration is a ConfigError naming the field', () => {
  assert.throws(
    () => makeEnv(models(), { spanLength: 0 }),
    (e: unknown) => e instanceof ConfigError && /spanLength/.test(e.message),
  );
  assert.throws(
    () => new EnsembleDecodingEnv({ models: [], items: ITEMS }),
    (e: unknown) => e instanceof ConfigError && /models/.test(e.message),
  );
  const twins = [new FakeModel({ id: 'x', tokens: CHARS, seed: 1 }), new FakeModel({ id: 'x', tokens: CHARS, seed: 2 })];
  assert.throws(() => new EnsembleDecodingEnv({ models: twins, items: ITEMS }), /share the id "x"/);
  assert.throws(
    () => new EnsembleDecodingEnv({ models: models(), items: [] }),
    (e: unknown) => e instanceof ConfigError && /items/.test(e.message),
  );
});

test('close() disposes sessions, closes owned models and is idempotent', async () => {
  const ms = models();
  const env = makeEnv(ms);
  await env.reset({ seed: 0 });
  await env.close();
  await env.close();
  assert.ok(ms.every((m) => m.closed));
  const shared = models();
  const env2 = makeEnv(shared, { closeModels: false });
  await env2.close();
  assert.ok(shared.every((m) => !m.closed));
  await assert.rejects(env2.reset(), EnvStateError);
});

// Property tests: fast-check with 200 runs each; every run is a few dozen fake forward passes (sub-millisecond).

test('property: a single-model ensemble decodes exactly what the model decodes alone (greedy)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 1e6 }),
      fc.integer({ min: 1, max: 4 }),
      fc.double({ min: -20, max: 20, noNaN: true }),
      async (seed, span, logit) => {
        const m = new FakeModel({ id: 'solo', tokens: [...CHARS, '12', 'ab'], seed, hiddenSize: 4 });
        const item = { prompt: `${seed % 97}+1=`, answer: 'x;' };
        const env = new EnsembleDecodingEnv({ models: [m], items: [item], endOfAnswer: ';', spanLength: span, maxSteps: 3, closeModels: false });
        await env.reset({ seed });
        let info: Record<string, unknown> = {};
        while (env.agents.length > 0) info = (await env.step({ solo: Float32Array.of(logit) })).infos.solo;
        await env.close();
        assert.equal(info.text, await decodeAlone(m, item.prompt, 3 * span, ';'));
      },
    ),
    { numRuns: 200 },
  );
});

test('property: permuting the agents together with their actions leaves the decoded text unchanged', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 1e6 }),
      fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 3, maxLength: 3 }),
      fc.constantFrom([0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]),
      async (seed, logits, perm) => {
        const run = async (order: number[]): Promise<string> => {
          const ms = models(seed % 1000);
          const env = makeEnv(order.map((i) => ms[i]));
          await env.reset({ seed, options: { itemIndex: seed % ITEMS.length } });
          const act: Record<string, Float32Array> = {};
          order.forEach((i) => (act[ms[i].id] = Float32Array.of(logits[i])));
          let text = '';
          while (env.agents.length > 0) text = (await env.step(act)).infos[ms[order[0]].id].text as string;
          await env.close();
          return text;
        };
        assert.equal(await run([...perm]), await run([0, 1, 2]));
      },
    ),
    { numRuns: 200 },
  );
});

test('property: rewards lie in metadata.rewardRange and episodes are deterministic under a seed', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 1e6 }),
      fc.constantFrom('greedy', 'sample') as fc.Arbitrary<'greedy' | 'sample'>,
      fc.double({ min: 0, max: 0.2, noNaN: true }),
      async (seed, decoding, stepCost) => {
        const episode = async (): Promise<{ rewards: number[]; text: string }> => {
          const env = makeEnv(models(seed % 50), { decoding, stepCost });
          await env.reset({ seed });
          const rewards: number[] = [];
          let text = '';
          let t = 0;
          while (env.agents.length > 0) {
            const act: Record<string, Float32Array> = {};
            env.agents.forEach((a, i) => (act[a] = Float32Array.of(Math.sin(seed + 3 * t + i) * 4)));
            const r = await env.step(act);
            rewards.push(r.rewards.char);
            text = r.infos.char.text as string;
            assert.ok(
              env.possibleAgents.every((a) => r.rewards[a] === r.rewards.char),
              'team reward is shared',
            );
            t++;
          }
          const [lo, hi] = env.metadata.rewardRange as [number, number];
          for (const r of rewards) assert.ok(r >= lo - 1e-12 && r <= hi + 1e-12, `${r} in [${lo}, ${hi}]`);
          await env.close();
          return { rewards, text };
        };
        assert.deepEqual(await episode(), await episode());
      },
    ),
    { numRuns: 200 },
  );
});

test('works with ONNX tiny decoders of different vocabularies (checker, single-model identity)', async () => {
  const dirs = [await makeTinyDecoderDir({ seed: 3 }), await makeTinyDecoderDir({ seed: 4, chars: ' 0123456789+=abcdefgh;' })];
  try {
    const load = (): Promise<OnnxCausalLM[]> => Promise.all(dirs.map((d, i) => OnnxCausalLM.load(d.dir, { id: `tiny${i}` })));
    const items = [
      { prompt: '12+3=', answer: '15;' },
      { prompt: 'ab+c=', answer: 'cba;' },
    ];
    const report = await checkParallelEnv(async () => new EnsembleDecodingEnv({ models: await load(), items, endOfAnswer: ';', spanLength: 3, maxSteps: 3 }), {
      steps: 20,
    });
    assert.deepEqual(report.problems, []);

    const [solo] = await load();
    const env = new EnsembleDecodingEnv({ models: [solo], items, endOfAnswer: ';', spanLength: 3, maxSteps: 3, closeModels: false });
    await env.reset({ seed: 0, options: { itemIndex: 0 } });
    let info: Record<string, unknown> = {};
    while (env.agents.length > 0) info = (await env.step({ tiny0: Float32Array.of(0) })).infos.tiny0;
    await env.close();
    const s = await solo.start(items[0].prompt);
    let alone = '';
    for (let t = 0; t < 9; t++) {
      const lp = (await s.next()).logprobs as Float32Array;
      let best = 0;
      for (let j = 1; j < lp.length; j++) if (lp[j] > lp[best]) best = j;
      if (best === solo.tokenizer.specialTokens.eos) break;
      alone += solo.tokenizer.decode([best]);
      if (alone.includes(';')) break;
      await s.append([best]);
    }
    await s.dispose();
    await solo.close();
    assert.equal(info.text, alone);
    assert.equal(typeof info.text, 'string');
  } finally {
    for (const d of dirs) await d.cleanup();
  }
});

test('passes checkParallelEnv on the bundled models and the bundled task (three tokenizers)', async () => {
  const root = new URL('../../models/', import.meta.url).pathname;
  const dirs = readdirSync(root)
    .map((d) => join(root, d))
    .filter((d) => existsSync(join(d, 'onnx', 'model.onnx')))
    .sort();
  assert.ok(dirs.length >= 2, `bundled models found: ${dirs.join(', ')}`);
  const report = await checkParallelEnv(
    async () =>
      new EnsembleDecodingEnv({
        models: await Promise.all(dirs.map((d) => OnnxCausalLM.load(d))),
        task: sumReverseTask,
        numItems: 8,
        spanLength: 2,
        maxSteps: 8,
      }),
    { steps: 24 },
  );
  assert.deepEqual(report.problems, []);
});

test('a model call failing mid-step aborts the episode cleanly: the error surfaces, no agent stays live, step refuses until reset, reset starts afresh', async () => {
  class FailingModel extends FakeModel {
    failAt = Infinity;
    override async start(prompt: string) {
      const session = await super.start(prompt);
      const append = session.append.bind(session);
      session.append = async (ids) => {
        if (this.calls.append + 1 >= this.failAt) throw new EnvStateError('server gave up after retries');
        return append(ids);
      };
      return session;
    }
  }
  const ms = models();
  const failing = new FailingModel(ms[1].opts);
  const env = makeEnv([ms[0], failing, ms[2]]);
  const act = () => Object.fromEntries(env.possibleAgents.map((a) => [a, Float32Array.of(0)]));
  await env.reset({ seed: 3, options: { itemIndex: 0 } });
  failing.failAt = failing.calls.append + 2; // fails inside the first span, after one token went through
  await assert.rejects(env.step(act()), /server gave up after retries/);
  assert.deepEqual(env.agents, []);
  await assert.rejects(
    env.step(act()),
    (e: unknown) => e instanceof EnvStateError && /aborted by a failed model call.*server gave up.*reset\(\)/.test(e.message),
  );
  failing.failAt = Infinity;
  const fresh = makeEnv();
  const a = await env.reset({ seed: 3, options: { itemIndex: 0 } });
  const b = await fresh.reset({ seed: 3, options: { itemIndex: 0 } });
  assert.deepEqual(a.observations, b.observations);
  const sa = await env.step(act());
  const sb = await fresh.step(act());
  assert.deepEqual(sa.observations, sb.observations);
  assert.deepEqual(sa.infos, sb.infos);
  await env.close();
  await fresh.close();
});
