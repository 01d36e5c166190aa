import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sumReverseTask, sumReverseItem } from '../../src/ensemble/tasks/sumReverseTask.js';
import { segmentCreditScorer } from '../../src/experiments/decoding/segmentCreditScorer.js';
import { SegmentOraclePolicy } from '../../src/experiments/decoding/SegmentOraclePolicy.js';
import { evaluateDecoding } from '../../src/experiments/decoding/evaluateDecoding.js';
import { timeDecoding } from '../../src/experiments/decoding/timeDecoding.js';
import type { Policy } from '../../src/agents/Policy.js';
import { ConfigError } from '../../src/core/errors.js';
import { FixedWeightsPolicy } from '../../src/agents/baselines/FixedWeightsPolicy.js';
import { softmaxWeights } from '../../src/ensemble/actionToWeights.js';
import { EnsembleDecodingEnv } from '../../src/envs/EnsembleDecodingEnv.js';
import { FakeModel } from '../../src/testing/decodingFakes.js';

test('segmentCreditScorer: 1 for exact answers, half the share of right segments otherwise', () => {
  const item = sumReverseItem({ a: 37, b: 8, word: 'dcab' });
  const score = segmentCreditScorer(sumReverseTask);
  assert.equal(score(item.answer, item), 1);
  assert.equal(score(' 45 ; dcab\n', item), 0.25);
  assert.equal(score(' 54 ; bacd\n', item), 0.25);
  assert.equal(score(' 54 ; dcab\n', item), 0);
});

test('property: fixed-weight actions reproduce the weights through the env softmax', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 }), (raw) => {
      const sum = raw.reduce((a, b) => a + b, 0);
      const w = raw.map((x) => x / sum);
      const agents = w.map((_, i) => `m${i}`);
      const acts = new FixedWeightsPolicy({ agents, weights: w }).act().actions as Record<string, Float32Array>;
      const back = softmaxWeights(agents.map((a) => acts[a][0]));
      w.forEach((x, i) => assert.ok(Math.abs(back[i] - x) < 1e-6, `${back[i]} vs ${x}`));
    }),
    { numRuns: 200 },
  );
});

test('evaluateDecoding: a teacher alone scores 1, a random model 0; the oracle switches on the separator', async () => {
  const items = sumReverseTask.items('test', 4, 0);
  const chars = [...new Set(items.flatMap((it) => [...it.prompt, ...it.answer]))];
  const teacher = new FakeModel({ id: 'teacher', tokens: chars, seed: 1, teacher: new Map(items.map((it) => [it.prompt, it.answer])) });
  const noise = new FakeModel({ id: 'noise', tokens: chars, seed: 2 });
  const env = new EnsembleDecodingEnv({ models: [noise, teacher], task: sumReverseTask, split: 'test', numItems: 4, spanLength: 1, maxSteps: 16 });
  const good = await evaluateDecoding(env, new FixedWeightsPolicy({ agents: env.possibleAgents, weights: [0, 1] }), { traceItems: 2 });
  assert.equal(good.accuracy, 1);
  assert.equal(good.traces.length, 2);
  assert.ok(good.tokens > 0 && good.tokensPerSecond > 0);
  assert.equal((await evaluateDecoding(env, new FixedWeightsPolicy({ agents: env.possibleAgents, weights: [1, 0] }))).accuracy, 0);
  const progress = { possibleAgents: env.possibleAgents, text: ' 4' };
  const oracle = new SegmentOraclePolicy(progress, sumReverseTask, [0, 1]);
  const before = oracle.act().actions as Record<string, Float32Array>;
  progress.text = ' 45 ;';
  const after = oracle.act().actions as Record<string, Float32Array>;
  assert.ok(before.noise[0] > before.teacher[0], 'sum segment: model 0');
  assert.ok(after.teacher[0] > after.noise[0], 'after the separator: model 1');
  await env.close();
});

test('timeDecoding: every policy decodes every item once per round, episodes interleaved (order alternating); tokens add up', async () => {
  const items = sumReverseTask.items('test', 3, 0);
  const chars = [...new Set(items.flatMap((it) => [...it.prompt, ...it.answer]))];
  const teacher = new FakeModel({ id: 'teacher', tokens: chars, seed: 1, teacher: new Map(items.map((it) => [it.prompt, it.answer])) });
  const noise = new FakeModel({ id: 'noise', tokens: chars, seed: 2 });
  const env = new EnsembleDecodingEnv({ models: [noise, teacher], task: sumReverseTask, split: 'test', numItems: 3, spanLength: 1, maxSteps: 16 });
  let lastActor = '';
  const named = (name: string, weights: number[]): Policy => {
    const inner = new FixedWeightsPolicy({ agents: env.possibleAgents, weights });
    return {
      agents: inner.agents,
      act: () => ((lastActor = name), inner.act()),
      save: () => inner.save(),
      load: (st) => inner.load(st),
      dispose: () => inner.dispose(),
    };
  };
  const policies = [named('a', [0, 1]), named('b', [1, 0]), named('c', [0.5, 0.5])];
  const alone: number[] = [];
  for (const p of policies) alone.push((await evaluateDecoding(env, p)).tokens);
  const order: string[] = [];
  const speeds = await timeDecoding(env, policies, { rounds: 3, onEpisode: () => order.push(lastActor) });
  // per item all three policies; forward on even (round + item), reversed otherwise
  const fwd = ['a', 'b', 'c'];
  const rev = ['c', 'b', 'a'];
  assert.deepEqual(order, [...fwd, ...rev, ...fwd, ...rev, ...fwd, ...rev, ...fwd, ...rev, ...fwd]);
  assert.deepEqual(
    speeds.map((s) => [s.tokens, s.passes]),
    alone.map((t) => [3 * t, 3]),
  );
  for (const s of speeds) {
    assert.ok(s.seconds > 0);
    assert.ok(Math.abs(s.tokensPerSecond - s.tokens / s.seconds) < 1e-9);
    assert.ok(Math.abs(s.secondsPerPass - s.seconds / 3) < 1e-12);
  }
  await assert.rejects(timeDecoding(env, policies, { rounds: 0 }), ConfigError);
  await env.close();
});
