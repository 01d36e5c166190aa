// Question: how much faster (or slower) does this checkout train than another checkout of the repo
// (e.g. a worktree of the base commit), measured side by side? Both trees' algorithms are built in one
// process with the same seed and iterate alternately (rollout + PPO update per iteration, the order
// swapped every round), so load from other jobs hits both alike; after 8 untimed warm-up rounds it prints
// the medians per iteration (wall, rollout, update, process CPU) and the median of the paired
// base / this ratios. Configs: `ppo` and `focal` (MAPPO on FocalEnv) with train-throughput's settings
// (one env copy, 128-step rollouts, 4 epochs x 4 minibatches) and `fit-answers` (its MAPPO defaults:
// 16 copies, 16 steps, calibrated fusion, difference reward).
//
//   npx tsx benchmarks/train-ab.ts --base DIR [--config ppo|focal|fit-answers] [--iters N] [--data FILE] [--smoke]
//
// Without --data a synthetic answers file is generated. Both trees must share the installed tfjs.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { OnPolicyAlgorithm } from '../src/algos/OnPolicyAlgorithm.js';
import { syntheticAnswersObject } from '../src/testing/syntheticAnswers.js';
import { benchArgs, machineInfo, writeBenchResult } from './lib/benchReport.js';

const { args, smoke, flag } = benchArgs();
const valueOf = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const baseDir = valueOf('--base');
if (baseDir === undefined) {
  console.error(
    'train-ab: pass --base DIR, a checkout of the repo to compare with (e.g. a worktree of the base commit made with `git worktree add DIR <commit>`).',
  );
  process.exit(2);
}
const config = valueOf('--config') ?? 'ppo';
if (!['ppo', 'focal', 'fit-answers'].includes(config)) {
  console.error(`train-ab: --config is "${config}"; use ppo, focal or fit-answers.`);
  process.exit(2);
}
const iters = flag('--iters') ?? (smoke ? 2 : 40);
const warmup = smoke ? 1 : 8;
const dataPath = valueOf('--data');

/** The modules the benchmark needs, typed as this tree's (the other tree has the same interfaces). */
interface Tree {
  readonly makeAlgorithm: typeof import('../src/algos/makeAlgorithm.js').makeAlgorithm;
  readonly AnswerEnsembleEnv: typeof import('../src/envs/AnswerEnsembleEnv.js').AnswerEnsembleEnv;
  readonly FocalEnv: typeof import('../src/envs/FocalEnv.js').FocalEnv;
  readonly data: typeof import('../src/envs/answerData.js');
}

/** The modules of the tree at `dir`, its tfjs backend initialised. */
async function treeModules(dir: string): Promise<Tree> {
  const load = <T>(p: string): Promise<T> => import(pathToFileURL(resolve(dir, p)).href) as Promise<T>;
  const backend = await load<typeof import('../src/backend/initBackend.js')>('src/backend/initBackend.ts');
  await backend.initBackend();
  return {
    makeAlgorithm: (await load<typeof import('../src/algos/makeAlgorithm.js')>('src/algos/makeAlgorithm.ts')).makeAlgorithm,
    AnswerEnsembleEnv: (await load<typeof import('../src/envs/AnswerEnsembleEnv.js')>('src/envs/AnswerEnsembleEnv.ts')).AnswerEnsembleEnv,
    FocalEnv: (await load<typeof import('../src/envs/FocalEnv.js')>('src/envs/FocalEnv.ts')).FocalEnv,
    data: await load<typeof import('../src/envs/answerData.js')>('src/envs/answerData.ts'),
  };
}

/** The algorithm of `config` built from tree `m` (same seed and data in both trees). */
async function build(m: Tree): Promise<OnPolicyAlgorithm> {
  const data = dataPath ? await m.data.loadAnswerData(dataPath) : m.data.answerDataFromObject(syntheticAnswersObject({ numItems: 600 }), 'synthetic answers');
  if (config === 'ppo') return m.makeAlgorithm(new m.AnswerEnsembleEnv({ data }), { algo: 'ppo', seed: 0, numSteps: 128, totalSteps: 1e9 });
  if (config === 'focal') return m.makeAlgorithm(new m.FocalEnv({ data }), { algo: 'mappo', seed: 0, numSteps: 128, totalSteps: 1e9 });
  return m.makeAlgorithm(
    Array.from({ length: 16 }, () => new m.AnswerEnsembleEnv({ data, fusion: 'calibrated', reward: 'difference', features: 'rich' })),
    { algo: 'mappo', seed: 0, totalSteps: 1e9, learningRate: 1e-3, initLogStd: -1, entCoef: 0, shareParameters: true, numSteps: 16, numMinibatches: 2 },
  );
}

const trees = { base: await treeModules(baseDir), this: await treeModules('.') };
const algos = { base: await build(trees.base), this: await build(trees.this) };
type Side = keyof typeof algos;
const samples: Record<Side, { wall: number[]; rollout: number[]; update: number[]; cpu: number[]; steps: number }> = {
  base: { wall: [], rollout: [], update: [], cpu: [], steps: 0 },
  this: { wall: [], rollout: [], update: [], cpu: [], steps: 0 },
};
for (let round = 0; round < warmup + iters; round++) {
  for (const side of (round % 2 === 0 ? ['base', 'this'] : ['this', 'base']) as Side[]) {
    const a = algos[side];
    const before = a.globalStep;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const m = await a.iterate();
    const c = process.cpuUsage(c0);
    if (round < warmup) continue;
    const s = samples[side];
    s.wall.push((performance.now() - t0) / 1000);
    s.cpu.push((c.user + c.system) / 1e6);
    s.rollout.push(m.rolloutSeconds);
    s.update.push(m.updateSeconds);
    s.steps = a.globalStep - before;
  }
}
for (const a of Object.values(algos)) a.dispose();

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const paired = (k: 'wall' | 'rollout' | 'update' | 'cpu'): number => median(samples.base[k].map((b, i) => b / samples.this[k][i]));
for (const side of ['base', 'this'] as Side[]) {
  const s = samples[side];
  console.log(
    `${side.padEnd(4)}: per iteration ${(1000 * median(s.wall)).toFixed(1)} ms (rollout ${(1000 * median(s.rollout)).toFixed(1)}, update ${(1000 * median(s.update)).toFixed(1)}, CPU ${(1000 * median(s.cpu)).toFixed(1)}) = ${Math.round(s.steps / median(s.wall))} env steps/s`,
  );
}
const ratios = { wall: paired('wall'), cpu: paired('cpu'), rollout: paired('rollout'), update: paired('update') };
console.log(
  `ratio base / this time per iteration (${config}, median of ${iters} pairs): wall ${ratios.wall.toFixed(3)}x, CPU ${ratios.cpu.toFixed(3)}x, ` +
    `rollout ${ratios.rollout.toFixed(3)}x, update ${ratios.update.toFixed(3)}x${smoke ? ' [smoke: too few pairs to be meaningful]' : ''}`,
);
writeBenchResult(`train-ab-${config}`, smoke, { benchmark: 'train-ab', config, base: resolve(baseDir), iters, smoke, machine: machineInfo(), ratios, samples });
