import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertParallelEnv } from '../../src/core/checkParallelEnv.js';
import { EnvStateError, InvalidActionError } from '../../src/core/errors.js';
import { AnswerEnsembleEnv } from '../../src/envs/AnswerEnsembleEnv.js';
import { answerDataFromObject, itemsOf } from '../../src/envs/answerData.js';
import { bestFixedWeights, fuseAnswer } from '../../src/ensemble/fuseAnswers.js';
import { syntheticAnswers, syntheticAnswersObject } from '../../src/testing/syntheticAnswers.js';

const data = syntheticAnswers({ seed: 1, numItems: 120 });
const act = (xs: number[], agents: readonly string[]) => Object.fromEntries(agents.map((a, i) => [a, Float32Array.of(xs[i])]));

test('passes checkParallelEnv (softmax logits and concentrations)', async () => {
  await assertParallelEnv(() => new AnswerEnsembleEnv({ data }));
  await assertParallelEnv(() => new AnswerEnsembleEnv({ data, actionParam: 'concentration', wrongReward: -1 }));
});

test('hand-checked episode: observation layout, fused answer, reward and infos', async () => {
  const d = answerDataFromObject({
    models: ['x', 'y'],
    items: [
      {
        id: 'q',
        task: 'b',
        split: 'train',
        label: 2,
        scores: [
          [0.6, 0.3, 0.1],
          [0, 0.1, 0.9],
        ],
      },
      {
        id: 'r',
        task: 'a',
        split: 'test',
        label: 0,
        scores: [
          [1, 0],
          [0, 1],
        ],
      },
    ],
  });
  const env = new AnswerEnsembleEnv({ data: d, wrongReward: -1 });
  const { observations } = await env.reset({ seed: 0 });
  assert.deepEqual(Array.from(observations.y), [0, 0.1, 0.9, 1, 1, 1, 0, 1].map(Math.fround));
  assert.deepEqual(Array.from(env.state()), [0.6, 0.3, 0.1, 0, 0.1, 0.9, 1, 1, 1, 0, 1].map(Math.fround));
  // Weights softmax(0, ln 3) = [1/4, 3/4]: mixture [0.15, 0.15, 0.7] → option 2.
  const r = await env.step(act([0, Math.log(3)], env.possibleAgents));
  assert.equal(r.rewards.x, 1);
  assert.deepEqual(r.terminations, { x: true, y: true });
  assert.equal(r.infos.x.fused, 2);
  assert.equal(r.infos.x.correct, true);
  (r.infos.x.weights as number[]).forEach((w, i) => assert.ok(Math.abs(w - [0.25, 0.75][i]) < 1e-6));
  assert.deepEqual(env.agents, []);
  await assert.rejects(env.step(act([0, 0], ['x', 'y'])), EnvStateError);
  // The test item, 2 options padded to 3, all weight on x → option 0, right; all on y → wrong (-1).
  const t = await env.reset({ options: { split: 'test' } });
  assert.deepEqual(Array.from(t.observations.x), [1, 0, 0, 1, 1, 0, 1, 0]);
  assert.equal((await env.step(act([0, -50], ['x', 'y']))).rewards.y, 1);
  await env.reset({ options: { split: 'test' } });
  assert.equal((await env.step(act([-50, 0], ['x', 'y']))).rewards.y, -1);
});

test('weights are on the simplex and rewards in the declared range for any finite action', async () => {
  const env = new AnswerEnsembleEnv({ data, wrongReward: -1 });
  const [lo, hi] = env.metadata.rewardRange as [number, number];
  await fc.assert(
    fc.asyncProperty(
      fc.integer(),
      fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e30, max: 1e30 }), { minLength: 3, maxLength: 3 }),
      async (seed, xs) => {
        await env.reset({ seed });
        const r = await env.step(act(xs, env.possibleAgents));
        const w = r.infos.expert_a.weights as number[];
        assert.ok(w.every((x) => x >= 0) && Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-9);
        for (const a of env.possibleAgents) assert.ok(r.rewards[a] >= lo && r.rewards[a] <= hi);
      },
    ),
    { numRuns: 300 },
  );
});

test('same seed and actions give identical episodes', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer(),
      fc.array(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 6 }),
      async (seed, steps) => {
        const run = async () => {
          const env = new AnswerEnsembleEnv({ data });
          const out: unknown[] = [];
          out.push((await env.reset({ seed })).observations);
          for (const xs of steps) {
            out.push(await env.step(act(xs, env.possibleAgents)));
            out.push((await env.reset()).observations);
          }
          return out;
        };
        assert.deepEqual(await run(), await run());
      },
    ),
    { numRuns: 200 },
  );
});

test('permuting the models together with their actions leaves the fused answer unchanged', async () => {
  const obj = syntheticAnswersObject({ seed: 2, numItems: 30, generalists: 2 });
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 29 }),
      fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 4, maxLength: 4 }),
      fc.constantFrom([1, 0, 3, 2], [3, 2, 1, 0], [2, 0, 1, 3]),
      async (k, xs, perm) => {
        const base = answerDataFromObject({ ...obj, items: obj.items.map((it) => ({ ...it, split: 'train' })) });
        const permuted = answerDataFromObject({
          models: perm.map((i) => obj.models[i]),
          items: obj.items.map((it) => ({ ...it, split: 'train', scores: perm.map((i) => (it.scores as number[][])[i]) })),
        });
        const a = new AnswerEnsembleEnv({ data: base, order: 'sequential' });
        const b = new AnswerEnsembleEnv({ data: permuted, order: 'sequential' });
        await a.reset({ seed: 0, options: { itemIndex: k } });
        await b.reset({ seed: 0, options: { itemIndex: k } });
        const byName = Object.fromEntries(obj.models.map((m, i) => [m, Float32Array.of(xs[i])]));
        const ra = await a.step(byName);
        const rb = await b.step(byName);
        assert.equal(ra.infos.expert_a.fused, rb.infos.expert_a.fused);
        assert.equal(ra.rewards.expert_a, rb.rewards.expert_b);
      },
    ),
    { numRuns: 200 },
  );
});

test('invalid actions throw InvalidActionError and leave the env unchanged', async () => {
  const bad = [
    { expert_a: Float32Array.of(NaN), expert_b: Float32Array.of(0), generalist_0: Float32Array.of(0) },
    { expert_a: Float32Array.of(Infinity), expert_b: Float32Array.of(0), generalist_0: Float32Array.of(0) },
    { expert_a: Float32Array.of(0, 1), expert_b: Float32Array.of(0), generalist_0: Float32Array.of(0) },
    { expert_a: Float32Array.of(0), expert_b: Float32Array.of(0) },
    { expert_a: Float32Array.of(0), expert_b: Float32Array.of(0), generalist_0: Float32Array.of(0), intruder: Float32Array.of(0) },
  ];
  await fc.assert(
    fc.asyncProperty(
      fc.integer(),
      fc.constantFrom(...bad),
      fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 3, maxLength: 3 }),
      async (seed, badAction, xs) => {
        const env = new AnswerEnsembleEnv({ data });
        const ref = new AnswerEnsembleEnv({ data });
        await env.reset({ seed });
        await ref.reset({ seed });
        await assert.rejects(env.step(badAction as Record<string, Float32Array>), InvalidActionError);
        assert.deepEqual(env.agents, ref.agents);
        assert.deepEqual(await env.step(act(xs, env.possibleAgents)), await ref.step(act(xs, ref.possibleAgents)));
        assert.deepEqual(await env.reset(), await ref.reset());
      },
    ),
    { numRuns: 200 },
  );
  const conc = new AnswerEnsembleEnv({ data, actionParam: 'concentration' });
  await conc.reset({ seed: 0 });
  await assert.rejects(conc.step(act([-1, 1, 1], conc.possibleAgents)), (e: unknown) => e instanceof InvalidActionError && e.agent === 'expert_a');
});

test('split selection: test episodes come only from the test split, in a seeded order', async () => {
  const env = new AnswerEnsembleEnv({ data });
  const testIds = new Set(itemsOf(data, 'test').map((i) => i.id));
  const seen: string[] = [];
  await env.reset({ seed: 5, options: { split: 'test' } });
  for (let i = 0; i < 20; i++) {
    seen.push(data.items[env.currentItem].id);
    await env.reset();
  }
  assert.ok(seen.every((id) => testIds.has(id)));
  const again: string[] = [];
  await env.reset({ seed: 5, options: { split: 'test' } });
  for (let i = 0; i < 20; i++) {
    again.push(data.items[env.currentItem].id);
    await env.reset();
  }
  assert.deepEqual(again, seen);
  await assert.rejects(env.reset({ options: { split: 'dev' as 'test' } }), /split/);
});

test('synthetic data: the best fixed weighting is limited, a kind-aware weighting is not', () => {
  const d = syntheticAnswers({ seed: 0, numItems: 400 });
  const train = itemsOf(d, 'train');
  const bestFixed = bestFixedWeights(train, 3, 20).accuracy;
  const kindAware = train.filter((it) => fuseAnswer(it.probs, it.task === 'a' ? [1, 0, 0] : [0, 1, 0], it.numOptions) === it.label).length / train.length;
  assert.ok(kindAware >= 0.99, `kind-aware accuracy ${kindAware}`);
  assert.ok(bestFixed <= 0.7, `best fixed accuracy ${bestFixed}`);
  assert.ok(kindAware - bestFixed >= 0.25);
});

test('seed-42 snapshot: items, fused answers and rewards of the first episodes', async () => {
  const d = syntheticAnswers({ seed: 0, numItems: 40 });
  const env = new AnswerEnsembleEnv({ data: d });
  const acts = Object.fromEntries(d.models.map((m, i) => [m, Float32Array.of(1 - i)]));
  const out: unknown[] = [];
  await env.reset({ seed: 42 });
  for (let i = 0; i < 6; i++) {
    const r = await env.step(acts);
    out.push([r.infos.expert_a.itemId, r.infos.expert_a.fused, r.rewards.expert_a]);
    await env.reset();
  }
  assert.deepEqual(out, [
    ['q29', 0, 1],
    ['q23', 1, 1],
    ['q36', 1, 1],
    ['q11', 0, 0],
    ['q27', 2, 0],
    ['q39', 1, 0],
  ]);
});
