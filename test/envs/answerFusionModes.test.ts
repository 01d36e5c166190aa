import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertParallelEnv } from '../../src/core/checkParallelEnv.js';
import { ConfigError, InvalidActionError } from '../../src/core/errors.js';
import { AnswerEnsembleEnv } from '../../src/envs/AnswerEnsembleEnv.js';
import { FocalEnv } from '../../src/envs/FocalEnv.js';
import { answerDataFromObject } from '../../src/envs/answerData.js';
import { FUSION_MODES } from '../../src/ensemble/fuseAnswers.js';
import { syntheticAnswers } from '../../src/testing/syntheticAnswers.js';

const data = syntheticAnswers({ seed: 2, numItems: 80 });
// Items with 2 and 4 options, so K = 4 and the 2-option item has two masked options.
const small = answerDataFromObject({
  models: ['x', 'y'],
  items: [
    {
      id: 'two',
      task: 'a',
      split: 'train',
      label: 1,
      scores: [
        [0.8, 0.2],
        [0.3, 0.6],
      ],
    },
    {
      id: 'four',
      task: 'b',
      split: 'train',
      label: 3,
      scores: [
        [0.1, 0.2, 0.3, 0.4],
        [0.4, 0.3, 0.2, 0.1],
      ],
    },
  ],
});

test('every fusion mode, reward and feature set passes checkParallelEnv on both answer envs', async () => {
  for (const fusion of FUSION_MODES) {
    await assertParallelEnv(() => new AnswerEnsembleEnv({ data, fusion, reward: 'expected', features: 'rich' }));
    await assertParallelEnv(() => new AnswerEnsembleEnv({ data, fusion, wrongReward: -1 }));
    await assertParallelEnv(() => new AnswerEnsembleEnv({ data, fusion, reward: 'difference', features: 'rich' }));
    await assertParallelEnv(() => new FocalEnv({ data, fusion, features: 'rich', reward: 'expected' }));
  }
});

test('action spaces: weights one number, votes K logits, calibrated K + 1', () => {
  const k = small.maxOptions;
  assert.deepEqual(new AnswerEnsembleEnv({ data: small }).actionSpace('x').shape, [1]);
  assert.deepEqual(new AnswerEnsembleEnv({ data: small, fusion: 'votes' }).actionSpace('x').shape, [k]);
  assert.deepEqual(new AnswerEnsembleEnv({ data: small, fusion: 'calibrated' }).actionSpace('y').shape, [k + 1]);
  assert.deepEqual(new FocalEnv({ data: small, fusion: 'votes' }).actionSpace('x').shape, [k]);
});

test('votes: a masked option is never the answer, rewards stay in range, reported votes are finite', async () => {
  for (const reward of ['correct', 'expected', 'gain', 'difference'] as const) {
    const env = new AnswerEnsembleEnv({ data: small, fusion: 'votes', reward, wrongReward: -1, order: 'random' });
    const [lo, hi] = env.metadata.rewardRange as [number, number];
    const vote = fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-3e38), max: Math.fround(3e38) }), { minLength: 4, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(fc.integer(), vote, vote, async (seed, vx, vy) => {
        await env.reset({ seed });
        const n = small.items[env.currentItem].numOptions;
        const r = await env.step({ x: Float32Array.from(vx), y: Float32Array.from(vy) });
        const info = r.infos.x;
        assert.ok((info.fused as number) < n, 'answer is one of the item options');
        assert.ok((info.votes as number[]).length === n && (info.votes as number[]).every(Number.isFinite));
        assert.ok((info.labelProbability as number) >= 0 && (info.labelProbability as number) <= 1);
        for (const a of env.possibleAgents) assert.ok(r.rewards[a] >= lo && r.rewards[a] <= hi && Number.isFinite(r.rewards[a]));
      }),
      { numRuns: 300 },
    );
  }
});

test('votes: hand-checked sum, masked entries ignored, expected reward is the softmax probability of the label', async () => {
  const env = new AnswerEnsembleEnv({ data: small, fusion: 'votes', reward: 'expected' });
  await env.reset({ seed: 0, options: { itemIndex: 0 } });
  // Options 2 and 3 do not exist on this item: their huge votes must not matter.
  const r = await env.step({ x: Float32Array.of(1, 0, 99, 99), y: Float32Array.of(0, 2, 99, 99) });
  assert.equal(r.infos.x.fused, 1);
  assert.deepEqual(r.infos.x.votes, [1, 2]);
  const p = Math.exp(2) / (Math.exp(1) + Math.exp(2));
  assert.ok(Math.abs(r.rewards.x - p) < 1e-12);
  assert.equal(r.infos.x.correct, true);
});

test("difference: each agent's reward is the label's probability minus the one with only its own action zeroed", async () => {
  const env = new AnswerEnsembleEnv({ data: small, fusion: 'votes', reward: 'difference', correctReward: 1, wrongReward: -1 });
  await env.reset({ seed: 0, options: { itemIndex: 0 } });
  const r = await env.step({ x: Float32Array.of(1, 0, 0, 0), y: Float32Array.of(0, 2, 0, 0) });
  const softmax1 = (v0: number, v1: number): number => Math.exp(v1) / (Math.exp(v0) + Math.exp(v1));
  const p = softmax1(1, 2);
  // span 2 = correctReward - wrongReward; without x the votes are (0, 2), without y (1, 0)
  assert.ok(Math.abs(r.rewards.x - 2 * (p - softmax1(0, 2))) < 1e-12);
  assert.ok(Math.abs(r.rewards.y - 2 * (p - softmax1(1, 0))) < 1e-12);
  assert.ok(r.rewards.x < 0 && r.rewards.y > 0, 'x argued for the wrong option, y for the right one');
  assert.deepEqual(env.metadata.rewardRange, [-2, 2]);
});

test('FocalEnv refuses the per-agent difference reward, naming the field', () => {
  assert.throws(
    () => new FocalEnv({ data: small, reward: 'difference' }),
    (e: unknown) => e instanceof ConfigError && e.field === 'reward',
  );
});

test('calibrated: zero actions are the product of experts; a temperature and a bias move the answer', async () => {
  const env = new AnswerEnsembleEnv({ data: small, fusion: 'calibrated' });
  await env.reset({ seed: 0, options: { itemIndex: 1 } });
  // log(0.1·0.4) = log(0.4·0.1) = log(0.04), log(0.2·0.3) = log(0.3·0.2) = log(0.06): options 1 and 2 tie, the lower wins.
  let r = await env.step({ x: new Float32Array(5), y: new Float32Array(5) });
  assert.equal(r.infos.x.fused, 1);
  await env.reset({ options: { itemIndex: 1 } });
  // x trusted 20x (e^3): its top option 3 wins.
  r = await env.step({ x: Float32Array.of(3, 0, 0, 0, 0), y: new Float32Array(5) });
  assert.equal(r.infos.x.fused, 3);
  assert.equal(r.rewards.x, 1);
  await env.reset({ options: { itemIndex: 1 } });
  r = await env.step({ x: Float32Array.of(0, 5, 0, 0, 0), y: new Float32Array(5) });
  assert.equal(r.infos.x.fused, 0);
});

test('linear: zero actions are the product of experts; a negative coefficient turns a model against its own answer', async () => {
  const env = new AnswerEnsembleEnv({ data: small, fusion: 'linear' });
  assert.deepEqual(env.actionSpace('x').shape, [3]);
  await env.reset({ seed: 0, options: { itemIndex: 0 } });
  // log(0.8·0.333) > log(0.2·0.667): option 0 (wrong).
  let r = await env.step({ x: new Float32Array(3), y: new Float32Array(3) });
  assert.equal(r.infos.x.fused, 0);
  await env.reset({ options: { itemIndex: 0 } });
  // x's votes become -(log-score): it now argues for its least likely option, 1 (right).
  r = await env.step({ x: Float32Array.of(0, 0, -2), y: new Float32Array(3) });
  assert.equal(r.infos.x.fused, 1);
  assert.equal(r.rewards.y, 1);
});

test('non-finite or misshaped fusion actions are rejected before anything changes', async () => {
  for (const fusion of ['votes', 'calibrated', 'linear'] as const) {
    const env = new AnswerEnsembleEnv({ data: small, fusion });
    const dim = env.actionSpace('x').shape[0];
    await env.reset({ seed: 1 });
    const item = env.currentItem;
    const bad = new Float32Array(dim);
    bad[dim - 1] = NaN;
    await assert.rejects(env.step({ x: bad, y: new Float32Array(dim) }), (e: unknown) => e instanceof InvalidActionError && /entry/.test(e.message));
    await assert.rejects(env.step({ x: new Float32Array(dim + 1), y: new Float32Array(dim) }), InvalidActionError);
    assert.equal(env.currentItem, item);
    assert.deepEqual(env.agents, ['x', 'y']);
  }
});

test('FocalEnv votes: only the included models vote', async () => {
  const env = new FocalEnv({ data: small, fusion: 'votes' });
  const idle = { x: new Float32Array(4), y: new Float32Array(4) };
  await env.reset({ seed: 0, options: { itemIndex: 0 } });
  await env.step({ decider: Uint8Array.of(1, 0), ...idle });
  const r = await env.step({ decider: Uint8Array.of(1, 0), x: Float32Array.of(1, 0, 0, 0), y: Float32Array.of(0, 5, 0, 0) });
  assert.deepEqual(r.infos.x.votes, [1, 0]);
  assert.equal(r.infos.x.fused, 0);
  assert.equal(r.infos.x.size, 1);
});

test('rich features are in [0, 1] and hold the top option and margin of the agent’s own model', async () => {
  const env = new AnswerEnsembleEnv({ data: small, features: 'rich' });
  const { observations } = await env.reset({ seed: 0, options: { itemIndex: 0 } });
  const o = observations.x;
  assert.ok(env.observationSpace('x').contains(o));
  const k = 4,
    t = 2,
    at = 2 * k + t;
  assert.deepEqual(Array.from(o.subarray(at, at + k)), [0.8, 0.2, 0, 0].map(Math.fround), 'recorded scores');
  assert.deepEqual(Array.from(o.subarray(at + 2 * k, at + 3 * k)), [1, 0, 0, 0], 'top option of x');
  assert.ok(Math.abs(o[at + 3 * k] - 0.6) < 1e-6, 'margin 0.8 - 0.2');
});

test('the old weights option name is refused with the new name in the fix; unknown modes name their field', () => {
  assert.throws(
    () => new AnswerEnsembleEnv({ data, weights: 'softmax' } as never),
    (e: unknown) => e instanceof ConfigError && /actionParam/.test(e.message),
  );
  assert.throws(
    () => new FocalEnv({ data, fusion: 'bogus' } as never),
    (e: unknown) => e instanceof ConfigError && /fusion/.test(e.message),
  );
  assert.throws(
    () => new AnswerEnsembleEnv({ data, reward: 'bogus' } as never),
    (e: unknown) => e instanceof ConfigError && /reward/.test(e.message),
  );
});
