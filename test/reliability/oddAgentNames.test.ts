// Agents named after Object.prototype members (`__proto__`, `constructor`, `toString`): they pass
// validation as model names, so every agent-keyed record on the way must treat them as plain keys.
// End to end: answer data with such models → AnswerEnsembleEnv → VectorEnv, toAEC, toSingleAgent,
// RecordEpisodeStatistics → PPO, IPPO and MAPPO train a few iterations → evaluation on the test
// split; and the same data through `fit-answers`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/initBackend.js';
import { makeAlgorithm } from '../../src/algos/makeAlgorithm.js';
import { evaluatePolicy } from '../../src/algos/evaluatePolicy.js';
import { Rng } from '../../src/core/Rng.js';
import { AnswerEnsembleEnv } from '../../src/envs/AnswerEnsembleEnv.js';
import { answerDataFromObject } from '../../src/envs/answerData.js';
import { FocalEnv } from '../../src/envs/FocalEnv.js';
import { VectorEnv } from '../../src/envs/VectorEnv.js';
import { RecordEpisodeStatistics } from '../../src/envs/wrappers/RecordEpisodeStatistics.js';
import { toAEC } from '../../src/envs/wrappers/toAEC.js';
import { toSingleAgent } from '../../src/envs/wrappers/toSingleAgent.js';
import { cli } from '../support/cliHarness.js';
import { syntheticAnswersObject } from '../../src/testing/syntheticAnswers.js';

const NAMES = ['__proto__', 'constructor', 'toString'];
const raw = syntheticAnswersObject({ seed: 4, numItems: 60, generalists: 1 });
const object = { models: NAMES, items: raw.items };

test('models named __proto__, constructor and toString: the env, toAEC, toSingleAgent, RecordEpisodeStatistics and VectorEnv keep them as plain keys', async () => {
  const data = answerDataFromObject(object);
  assert.deepEqual(data.models, NAMES);
  const env = new AnswerEnsembleEnv({ data });
  assert.deepEqual([...env.possibleAgents], NAMES);
  const r = await env.reset({ seed: 1 });
  assert.deepEqual(Object.keys(r.observations).sort(), [...NAMES].sort());
  const step = await env.step(Object.fromEntries(NAMES.map((a) => [a, env.actionSpace(a).sample(new Rng(a))])));
  for (const a of NAMES) assert.ok(Object.hasOwn(step.rewards, a) && typeof step.rewards[a] === 'number', `reward of ${a}`);

  const v = await VectorEnv.create(() => new AnswerEnsembleEnv({ data }), 2);
  const vr = await v.reset({ seed: 2 });
  for (const a of NAMES) assert.ok(Object.hasOwn(vr.observations, a) && vr.observations[a].length === 2 * v.observationSpace(a).flatDim, a);
  const vs = await v.step(Object.fromEntries(NAMES.map((a) => [a, new Float32Array(2 * v.actionSpace(a).flatDim)])));
  for (const a of NAMES) assert.ok(Object.hasOwn(vs.rewards, a) && vs.rewards[a].length === 2, a);
  await v.close();

  const aec = toAEC(new AnswerEnsembleEnv({ data }));
  await aec.reset({ seed: 3 });
  const buf = new Float32Array(1);
  const seen: string[] = [];
  for (const agent of aec.agentIter(20)) {
    seen.push(agent);
    const l = aec.last();
    assert.equal(typeof l.termination, 'boolean', `termination of ${agent}`);
    assert.equal(typeof l.reward, 'number', `reward of ${agent}`);
    await aec.step(l.termination || l.truncation ? null : buf);
  }
  assert.deepEqual(seen, [...NAMES, ...[...NAMES].sort()]);

  const single = toSingleAgent(new AnswerEnsembleEnv({ data }));
  await single.reset({ seed: 4 });
  const s = await single.step(new Float32Array(single.actionSpace.flatDim));
  assert.ok(Number.isFinite(s.reward));

  const focal = new FocalEnv({ data, deciders: 'per-model' });
  const fr = await focal.reset({ seed: 6 });
  for (const a of NAMES)
    assert.ok(
      Object.hasOwn(fr.observations, a) && fr.observations[a].length === focal.observationSpace(a).flatDim,
      `FocalEnv observation of fusion agent ${a}`,
    );

  const stats = new RecordEpisodeStatistics(new AnswerEnsembleEnv({ data }));
  await stats.reset({ seed: 5 });
  const st = await stats.step(Object.fromEntries(NAMES.map((a) => [a, Float32Array.of(0)])));
  for (const a of NAMES) assert.equal(typeof (st.infos[a].episode as { return: number }).return, 'number', `episode return of ${a}`);
});

test('models named __proto__, constructor and toString: PPO, IPPO and MAPPO train a few iterations and evaluate on the test split', async () => {
  const data = answerDataFromObject(object);
  await initBackend({ force: 'cpu' });
  for (const algo of ['ppo', 'ippo', 'mappo'] as const) {
    const trainEnv = new AnswerEnsembleEnv({ data, split: 'train' });
    const a = makeAlgorithm(trainEnv, { algo, seed: 1, numSteps: 16, totalSteps: 32, numMinibatches: 2, updateEpochs: 1, hidden: [8] });
    for (let i = 0; i < 2; i++) {
      const m = await a.iterate();
      assert.ok(Number.isFinite(m.policyLoss), `${algo} policy loss`);
      assert.deepEqual(Object.keys(m.meanAction).sort(), [...NAMES].sort(), `${algo} mean action per agent`);
    }
    const res = await evaluatePolicy(a.envPolicy(), new AnswerEnsembleEnv({ data, split: 'test', order: 'sequential' }), { episodes: 5, seed: 1 });
    assert.equal(res.episodes, 5);
    a.dispose();
  }
});

test('fit-answers on data whose models are named __proto__, constructor and toString', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leg-odd-names-'));
  try {
    const file = join(dir, 'answers.json');
    writeFileSync(file, JSON.stringify(object));
    const r = cli(['fit-answers', '--data', file, '--algo', 'ippo', '--steps', '256', '--seed', '1', '--out', join(dir, 'runs')]);
    assert.equal(r.status, 0, r.stderr);
    for (const a of NAMES) assert.ok(r.stdout.includes(`${a} alone`), `table has ${a}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
