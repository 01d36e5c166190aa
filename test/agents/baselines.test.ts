import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bestSingleModel, FixedWeightsPolicy, gridSearchWeights, simplexGrid } from '../../src/agents/baselines/FixedWeightsPolicy.js';
import { PluralityVotePolicy } from '../../src/agents/baselines/PluralityVotePolicy.js';
import { StackedLogisticPolicy } from '../../src/agents/baselines/StackedLogisticPolicy.js';
import { evaluatePolicy } from '../../src/algos/evaluatePolicy.js';
import { AnswerEnsembleEnv } from '../../src/envs/AnswerEnsembleEnv.js';
import { ConfigError } from '../../src/core/errors.js';
import { syntheticAnswers } from '../../src/testing/syntheticAnswers.js';

const data = syntheticAnswers({ seed: 3, numItems: 200 });
const agents = data.models;

test('simplexGrid lists every multiple-of-1/steps weight vector summing to 1', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), (n, steps) => {
      const g = simplexGrid(n, steps);
      const binom = (a: number, b: number): number => (b === 0 ? 1 : (binom(a, b - 1) * (a - b + 1)) / b);
      return g.length === Math.round(binom(steps + n - 1, n - 1)) && g.every((w) => w.length === n && Math.abs(w.reduce((s, x) => s + x, 0) - 1) < 1e-12);
    }),
    { numRuns: 200 },
  );
});

test('plurality vote: the env fuses exactly the option most models rank first', async () => {
  const env = new AnswerEnsembleEnv({ data, split: 'all', order: 'sequential' });
  const policy = new PluralityVotePolicy(agents, data.maxOptions);
  for (let i = 0; i < data.items.length; i++) {
    const { observations } = await env.reset({ options: { itemIndex: i } });
    const res = await env.step(policy.act(observations).actions as Record<string, Float32Array>);
    const item = data.items[i];
    const top = item.probs.map((p) => p.indexOf(Math.max(...p)));
    const votes = Array.from({ length: item.numOptions }, (_, k) => top.filter((t) => t === k).length);
    const fused = res.infos[agents[0]].fused as number;
    assert.equal(votes[fused], Math.max(...votes), `item ${item.id}: fused ${fused}, votes ${votes}`);
  }
});

test('fixed-weight baselines: uniform, grid search and best single model are scored by the supplied evaluation', async () => {
  const trainEnv = new AnswerEnsembleEnv({ data, split: 'train' });
  const score = async (p: FixedWeightsPolicy) => (await evaluatePolicy(p, trainEnv, { episodes: 60, seed: 4 })).meanReturn;
  const grid = await gridSearchWeights({ agents, evaluate: score, steps: 2 });
  const single = await bestSingleModel({ agents, evaluate: score });
  assert.equal(grid.evaluated, 6);
  assert.ok(grid.score >= single.score, 'one-hot weights are on the grid');
  assert.ok(agents.includes(single.agent));
  assert.deepEqual(new FixedWeightsPolicy({ agents, weights: [0, 1, 0] }).act().actions[agents[1]], Float32Array.of(0));
  assert.throws(() => new FixedWeightsPolicy({ agents, weights: [0, 0, 0] }), ConfigError);
});

test('stacked logistic regression (fitted on train) learns per-task weights that beat uniform weights on test', async () => {
  const stacked = StackedLogisticPolicy.fit(data);
  const testEnv = () => new AnswerEnsembleEnv({ data, split: 'test' });
  const acc = (await evaluatePolicy(stacked, testEnv(), { episodes: 100, seed: 5 })).meanReturn;
  const uniform = (await evaluatePolicy(new FixedWeightsPolicy({ agents }), testEnv(), { episodes: 100, seed: 5 })).meanReturn;
  assert.ok(acc >= uniform + 0.2, `stacked ${acc} vs uniform ${uniform}`);
  const copy = StackedLogisticPolicy.fit(data, { epochs: 1 });
  copy.load(JSON.parse(JSON.stringify(stacked.save())));
  const obs = (await testEnv().reset({ seed: 1 })).observations;
  assert.deepEqual(copy.act(obs), stacked.act(obs));
});
