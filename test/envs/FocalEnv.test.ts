import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertParallelEnv } from '../../src/core/checkParallelEnv.js';
import { EnvStateError, InvalidActionError } from '../../src/core/errors.js';
import { EnsembleInputError } from '../../src/ensemble/EnsembleInputError.js';
import { FocalEnv } from '../../src/envs/FocalEnv.js';
import { answerDataFromObject } from '../../src/envs/answerData.js';
import { focalDiversity } from '../../src/ensemble/focalDiversity.js';
import { syntheticAnswers, syntheticAnswersObject } from '../../src/testing/syntheticAnswers.js';

const data = syntheticAnswers({ seed: 4, numItems: 80, generalists: 1 });
const models = data.models;
const fuseActs = (xs: number[]) => Object.fromEntries(models.map((m, i) => [m, Float32Array.of(xs[i])]));
const all = (bits: number[], xs: number[]) => ({ decider: Uint8Array.from(bits), ...fuseActs(xs) });

/** Every subset of n models as bit arrays. */
const subsets = (n: number) => Array.from({ length: 2 ** n }, (_, m) => Array.from({ length: n }, (_, i) => (m >> i) & 1));

test('passes checkParallelEnv (single decider, per-model deciders, concentrations)', async () => {
  await assertParallelEnv(() => new FocalEnv({ data }));
  await assertParallelEnv(() => new FocalEnv({ data, deciders: 'per-model', beta: 0.2 }));
  await assertParallelEnv(() => new FocalEnv({ data, actionParam: 'concentration', wrongReward: -1, alpha: 0.3 }));
});

test('hand-checked episode: two phases, selection rule, reward with the size penalty', async () => {
  const d = answerDataFromObject({
    models: ['x', 'y', 'z'],
    items: [
      // Train: x right twice, y once, z never; the none-included rule picks x.
      {
        id: 't0',
        task: 'a',
        split: 'train',
        label: 0,
        scores: [
          [1, 0],
          [1, 0],
          [0, 1],
        ],
      },
      {
        id: 't1',
        task: 'a',
        split: 'train',
        label: 1,
        scores: [
          [0, 1],
          [1, 0],
          [1, 0],
        ],
      },
      {
        id: 'e0',
        task: 'a',
        split: 'test',
        label: 1,
        scores: [
          [0.4, 0.6],
          [0.9, 0.1],
          [0.2, 0.8],
        ],
      },
    ],
  });
  const env = new FocalEnv({ data: d, alpha: 0.3 });
  assert.deepEqual(env.trainAccuracies, [1, 0.5, 0]);
  assert.deepEqual(Array.from(env.effectiveSelection([0, 0, 0])), [1, 0, 0]);
  const r0 = await env.reset({ seed: 0, options: { split: 'test' } });
  assert.equal(env.currentPhase, 'decide');
  assert.deepEqual(Array.from(r0.observations.decider.subarray(0, 2)), [1, 0]);
  // Decide: include x and y.
  const s1 = await env.step({ decider: Uint8Array.of(1, 1, 0), x: Float32Array.of(0), y: Float32Array.of(0), z: Float32Array.of(0) });
  assert.equal(env.currentPhase, 'fuse');
  assert.deepEqual(s1.rewards, { decider: 0, x: 0, y: 0, z: 0 });
  assert.deepEqual(s1.terminations.x, false);
  assert.equal(s1.infos.decider.actionUsed, true);
  assert.equal(s1.infos.x.actionUsed, false);
  assert.deepEqual(Array.from(s1.observations.x.subarray(0, 2)), [0, 1], 'phase one-hot says fuse');
  // Fuse: z's huge logit is ignored (excluded); x vs y equal → mixture [0.65, 0.35] → option 0, wrong.
  const s2 = await env.step({ decider: Uint8Array.of(0, 0, 0), x: Float32Array.of(0), y: Float32Array.of(0), z: Float32Array.of(50) });
  assert.equal(s2.infos.x.fused, 0);
  assert.deepEqual(s2.infos.x.weights, [0.5, 0.5, 0]);
  const fd = focalDiversity(
    [
      [1, 1],
      [1, 0],
    ],
    [0, 1],
  );
  assert.ok(Math.abs(s2.rewards.x - (0 - (0.3 * 2) / 3)) < 1e-12);
  assert.equal(s2.infos.x.focalDiversity, fd);
  assert.deepEqual(s2.terminations, { decider: true, x: true, y: true, z: true });
  await assert.rejects(env.step(all([1, 1, 1], [0, 0, 0]) as never), EnvStateError);
  // Only y included, weight on y → option 0, wrong; only z → option 1, right: 1 − 0.3/3.
  await env.reset({ options: { split: 'test' } });
  const prev = await env.reset({ options: { split: 'test' } });
  assert.deepEqual(Array.from(prev.observations.decider.subarray(2 + 6 + 2 + 1, 2 + 6 + 2 + 1 + 3)), [1, 1, 0], 'the decider sees the previous selection');
  await env.step({ decider: Uint8Array.of(0, 0, 1), x: Float32Array.of(0), y: Float32Array.of(0), z: Float32Array.of(0) });
  const s4 = await env.step({ decider: Uint8Array.of(0, 0, 0), x: Float32Array.of(9), y: Float32Array.of(9), z: Float32Array.of(-9) });
  assert.equal(s4.infos.z.correct, true);
  assert.ok(Math.abs(s4.rewards.decider - (1 - 0.3 / 3)) < 1e-12);
});

test('statistics never depend on test labels or on playing the test split', async () => {
  const obj = syntheticAnswersObject({ seed: 5, numItems: 60, generalists: 2 });
  const scrambled = {
    ...obj,
    items: obj.items.map((it) =>
      it.split === 'test' ? { ...it, label: ((it.label as number) + 1) % 4, scores: (it.scores as number[][]).map((r) => [...r].reverse()) } : it,
    ),
  };
  const a = new FocalEnv({ data: answerDataFromObject(obj) });
  const b = new FocalEnv({ data: answerDataFromObject(scrambled) });
  const before = subsets(4).map((s) => a.subsetStats(s));
  assert.deepEqual(
    subsets(4).map((s) => b.subsetStats(s)),
    before,
    'changing test labels and scores changes no statistic',
  );
  assert.deepEqual(b.trainAccuracies, a.trainAccuracies);
  await a.reset({ seed: 1, options: { split: 'test' } });
  for (let i = 0; i < 40; i++) {
    await a.step({ decider: Uint8Array.of(1, 0, 1, 1), ...Object.fromEntries(obj.models.map((m) => [m, Float32Array.of(i % 3)])) });
    await a.step({ decider: Uint8Array.of(0, 0, 0, 0), ...Object.fromEntries(obj.models.map((m) => [m, Float32Array.of(i % 3)])) });
    await a.reset();
  }
  assert.deepEqual(
    subsets(4).map((s) => a.subsetStats(s)),
    before,
    'evaluating on the test split changes no statistic',
  );
});

test('rewards lie in the declared range, weights on the simplex, and same seed + actions give the same episode', async () => {
  const env = new FocalEnv({ data, alpha: 0.2, beta: 0.1, wrongReward: -1 });
  const [lo, hi] = env.metadata.rewardRange as [number, number];
  const bitsArb = fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 3, maxLength: 3 });
  const xsArb = fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 3, maxLength: 3 });
  await fc.assert(
    fc.asyncProperty(fc.integer(), bitsArb, xsArb, async (seed, bits, xs) => {
      const run = async () => {
        const e = new FocalEnv({ data, alpha: 0.2, beta: 0.1, wrongReward: -1 });
        await e.reset({ seed });
        return [await e.step(all(bits, xs)), await e.step(all(bits, xs))];
      };
      const [s1, s2] = await run();
      for (const r of [s1, s2]) for (const v of Object.values(r.rewards)) assert.ok(v >= lo - 1e-12 && v <= hi + 1e-12, `${v} outside [${lo}, ${hi}]`);
      const w = s2.infos.decider.weights as number[];
      assert.ok(w.every((x) => x >= 0) && Math.abs(w.reduce((p, q) => p + q, 0) - 1) < 1e-9);
      (s2.infos.decider.selection as number[]).forEach((b, i) => b === 0 && assert.equal(w[i], 0));
      assert.deepEqual(await run(), [s1, s2]);
    }),
    { numRuns: 200 },
  );
});

test('permuting the models with their actions leaves the fused answer unchanged', async () => {
  const obj = syntheticAnswersObject({ seed: 6, numItems: 20, generalists: 1 });
  const perm = [2, 0, 1];
  const base = answerDataFromObject({ ...obj, items: obj.items.map((it) => ({ ...it, split: 'train' })) });
  const permuted = answerDataFromObject({
    models: perm.map((i) => obj.models[i]),
    items: obj.items.map((it) => ({ ...it, split: 'train', scores: perm.map((i) => (it.scores as number[][])[i]) })),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 19 }),
      fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 3, maxLength: 3 }),
      fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 3, maxLength: 3 }),
      async (k, bits, xs) => {
        const a = new FocalEnv({ data: base });
        const b = new FocalEnv({ data: permuted });
        await a.reset({ seed: 0, options: { itemIndex: k } });
        await b.reset({ seed: 0, options: { itemIndex: k } });
        const byName = Object.fromEntries(obj.models.map((m, i) => [m, Float32Array.of(xs[i])]));
        await a.step({ decider: Uint8Array.from(bits), ...byName });
        await b.step({ decider: Uint8Array.from(perm.map((i) => bits[i])), ...byName });
        const ra = await a.step({ decider: Uint8Array.of(0, 0, 0), ...byName });
        const rb = await b.step({ decider: Uint8Array.of(0, 0, 0), ...byName });
        assert.equal(ra.infos.decider.fused, rb.infos.decider.fused);
        assert.equal(ra.rewards.decider, rb.rewards.decider);
      },
    ),
    { numRuns: 200 },
  );
});

test('invalid actions in either phase throw InvalidActionError and leave the env unchanged', async () => {
  const bad = [
    { decider: Uint8Array.of(1, 2, 0), ...fuseActs([0, 0, 0]) },
    { decider: Uint8Array.of(1, 0), ...fuseActs([0, 0, 0]) },
    { decider: Uint8Array.of(1, 0, 1), ...fuseActs([0, NaN, 0]) },
    { decider: Uint8Array.of(1, 0, 1), ...fuseActs([0, Infinity, 0]) },
    fuseActs([0, 0, 0]),
  ];
  await fc.assert(
    fc.asyncProperty(fc.integer(), fc.constantFrom(...bad), fc.boolean(), async (seed, badAction, inFuse) => {
      const env = new FocalEnv({ data });
      const ref = new FocalEnv({ data });
      for (const e of [env, ref]) {
        await e.reset({ seed });
        if (inFuse) await e.step(all([1, 0, 1], [0, 0, 0]));
      }
      await assert.rejects(env.step(badAction as never), InvalidActionError);
      assert.equal(env.currentPhase, ref.currentPhase);
      assert.deepEqual(env.state(), ref.state());
      assert.deepEqual(await env.step(all([0, 1, 1], [1, 0, 2])), await ref.step(all([0, 1, 1], [1, 0, 2])));
    }),
    { numRuns: 200 },
  );
});

test('effectiveSelection / subsetStats with the wrong number of bits are EnsembleInputErrors', () => {
  const env = new FocalEnv({ data });
  const named = (e: unknown) => e instanceof EnsembleInputError && e.argument === 'bits' && new RegExp(`for ${models.length} models`).test(e.message);
  for (const bits of [[], new Array(models.length + 1).fill(1)]) {
    assert.throws(() => env.effectiveSelection(bits), named);
    assert.throws(() => env.subsetStats(bits), named);
  }
  assert.equal(env.effectiveSelection(new Array(models.length).fill(1)).length, models.length);
});

test('config errors name the field', () => {
  assert.throws(() => new FocalEnv({ data, alpha: NaN }), /alpha/);
  assert.throws(() => new FocalEnv({ data, deciders: 'many' as 'single' }), /deciders/);
  const onlyTest = answerDataFromObject({ models: ['a'], items: [{ id: 'q', split: 'test', label: 0, scores: [[1, 0]] }] });
  assert.throws(() => new FocalEnv({ data: onlyTest }), /no train items/);
  const clash = answerDataFromObject({ models: ['decider'], items: [{ id: 'q', split: 'train', label: 0, scores: [[1, 0]] }] });
  assert.throws(() => new FocalEnv({ data: clash }), /decider/);
});

test('seed-42 snapshot: items, fused answers, rewards and focal diversity of the first episodes', async () => {
  const d = syntheticAnswers({ seed: 0, numItems: 40 });
  const env = new FocalEnv({ data: d, alpha: 0.1 });
  const acts = Object.fromEntries(d.models.map((m, i) => [m, Float32Array.of(1 - i)]));
  const out: unknown[] = [];
  await env.reset({ seed: 42 });
  for (let i = 0; i < 6; i++) {
    const bits = Uint8Array.from([i & 1, (i >> 1) & 1, 1]);
    await env.step({ decider: bits, ...acts });
    const r = await env.step({ decider: bits, ...acts });
    out.push([
      r.infos.decider.itemId,
      r.infos.decider.fused,
      +(r.rewards.decider as number).toFixed(6),
      +(r.infos.decider.focalDiversity as number).toFixed(6),
    ]);
    await env.reset();
  }
  assert.deepEqual(out, [
    ['q29', 0, 0.966667, 0],
    ['q23', 1, 0.933333, 0.327231],
    ['q36', 2, -0.066667, 0.372549],
    ['q11', 0, -0.1, 0.620773],
    ['q27', 0, 0.966667, 0],
    ['q39', 1, -0.066667, 0.327231],
  ]);
});
