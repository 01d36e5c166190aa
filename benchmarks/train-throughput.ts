// Question: how many env steps per second does training run end to end (rollout + PPO update), and
// how is that time split? PPO, IPPO, MAPPO on AnswerEnsembleEnv and MAPPO on FocalEnv (decider +
// fusion) over a recorded answers file (one env copy, 128-step rollouts, 4 epochs x 4 minibatches)
// for fit-answers' default budget of env steps, and PPO on EnsembleDecodingEnv with the bundled
// models and the demo's settings. Also times evaluation of 1000 answer items with the trained PPO
// policy. Targets (issue: fast training and acting): PPO >= 5000 env steps/s, MAPPO+focal >= 1000,
// evaluation of 1000 items < 0.5 s. The first iterations of a process run up to 2x slower than later
// ones (V8 still optimising), so each answer row also shows the rate over its first 4096 steps,
// which is what a short run gets.
//
//   npx tsx benchmarks/train-throughput.ts [--smoke] [--data FILE] [--steps N (default: fit-answers' 40000)] [--seed N]
//
// Without --data a synthetic answers file is generated (5 models, 12 tasks, 2-4 options).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../src/backend/initBackend.js';
import { Rng } from '../src/core/Rng.js';
import { renderTable } from '../src/cli/renderTable.js';
import { makeAlgorithm } from '../src/algos/makeAlgorithm.js';
import { Trainer } from '../src/algos/Trainer.js';
import type { OnPolicyAlgorithm } from '../src/algos/OnPolicyAlgorithm.js';
import type { PPOConfig } from '../src/algos/PPOConfig.js';
import { AnswerEnsembleEnv } from '../src/envs/AnswerEnsembleEnv.js';
import { FocalEnv } from '../src/envs/FocalEnv.js';
import { EnsembleDecodingEnv } from '../src/envs/EnsembleDecodingEnv.js';
import { answerDataFromObject, loadAnswerData, itemsOf, type AnswerDataset } from '../src/envs/answerData.js';
import { FIT_ANSWERS_DEFAULTS } from '../src/experiments/answers/fitAnswersDefaults.js';
import { sumReverseTask } from '../src/ensemble/tasks/sumReverseTask.js';
import { OnnxCausalLM } from '../src/models/OnnxCausalLM.js';
import { benchArgs, machineInfo, versionsOf, writeBenchResult } from './lib/benchReport.js';

const { args, smoke, flag } = benchArgs();
const seed = flag('--seed') ?? 0;
const dataIdx = args.indexOf('--data');
const dataPath = dataIdx >= 0 ? args[dataIdx + 1] : undefined;
const answerSteps = flag('--steps') ?? (smoke ? 256 : FIT_ANSWERS_DEFAULTS.steps);
/** Each answer row also reports its rate over the steps up to this one (the run's start). */
const FIRST_STEPS = 4096;

/** Recorded-answers stand-in: each model is good at some tasks, so fusion has something to learn. */
function syntheticData(numItems: number): AnswerDataset {
  const rng = new Rng(`${seed}/synthetic`);
  const models = ['m0', 'm1', 'm2', 'm3', 'm4'];
  const tasks = Array.from({ length: 12 }, (_, t) => `task${t}`);
  const skill = models.map(() => tasks.map(() => 0.3 + 0.6 * rng.next()));
  const items = Array.from({ length: numItems }, (_, i) => {
    const t = i % tasks.length;
    const k = 2 + (t % 3);
    const label = rng.int(k);
    const scores = models.map((_, m) => Array.from({ length: k }, (_, o) => (o === label ? skill[m][t] : 0) + rng.next() * 0.6));
    return { id: `item${i}`, task: tasks[t], split: i % 5 === 0 ? 'test' : 'train', label, scores };
  });
  return answerDataFromObject({ models, items }, 'synthetic answers');
}

interface Row {
  readonly config: string;
  readonly envSteps: number;
  readonly seconds: number;
  readonly rolloutSeconds: number;
  readonly updateSeconds: number;
  readonly stepsPerSecond: number;
  readonly rolloutStepsPerSecond: number;
  /** Env steps/s over the iterations up to the one reaching FIRST_STEPS env steps (null when the run is shorter). */
  readonly firstStepsPerSecond: number | null;
}

/** Trains `algo` to its budget and returns throughput with the rollout / update split. */
async function train(config: string, algo: OnPolicyAlgorithm): Promise<Row> {
  const t0 = performance.now();
  // the iteration that reaches FIRST_STEPS env steps, and the wall time until then
  const first = { steps: 0, seconds: 0 };
  const onIteration = (m: { readonly globalStep: number }): void => {
    if (first.steps === 0 && m.globalStep >= FIRST_STEPS) [first.steps, first.seconds] = [m.globalStep, (performance.now() - t0) / 1000];
  };
  const ms = await new Trainer(algo, { callbacks: [{ onIteration }] }).run();
  const seconds = (performance.now() - t0) / 1000;
  const rolloutSeconds = ms.reduce((s, m) => s + m.rolloutSeconds, 0);
  const updateSeconds = ms.reduce((s, m) => s + m.updateSeconds, 0);
  const envSteps = algo.globalStep;
  const firstStepsPerSecond = first.steps > 0 ? first.steps / first.seconds : null;
  return {
    config,
    envSteps,
    seconds,
    rolloutSeconds,
    updateSeconds,
    stepsPerSecond: envSteps / seconds,
    rolloutStepsPerSecond: envSteps / rolloutSeconds,
    firstStepsPerSecond,
  };
}

function bundledDirs(): string[] {
  const root = new URL('../models/', import.meta.url).pathname;
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((d) => join(root, d))
    .filter((d) => existsSync(join(d, 'onnx', 'model.onnx')) && existsSync(join(d, 'tokenizer.json')))
    .sort();
}

const backend = (await initBackend()).backend;
const data = dataPath ? await loadAnswerData(dataPath) : syntheticData(smoke ? 300 : 3000);
// fit-answers' settings: ppoConfigOf(run config) with the default budget per algorithm
const answerCfg = (algo: PPOConfig['algo']): Partial<PPOConfig> & { algo: PPOConfig['algo'] } => ({
  algo,
  seed,
  numSteps: Math.min(128, answerSteps),
  totalSteps: answerSteps,
});
const rows: Row[] = [];
// untimed warm-up: JIT and the tfjs kernels' first runs
{
  const warm = makeAlgorithm(new AnswerEnsembleEnv({ data }), { ...answerCfg('ppo'), totalSteps: 256 });
  await new Trainer(warm).run();
  warm.dispose();
}
let evaluation: { items: number; seconds: number; secondsPer1000: number } | null = null;
for (const algo of ['ppo', 'ippo', 'mappo'] as const) {
  const env = new AnswerEnsembleEnv({ data });
  const a = algo === 'mappo' ? makeAlgorithm(env, answerCfg(algo)) : makeAlgorithm(env, answerCfg(algo));
  rows.push(await train(`${algo.toUpperCase()} answer`, a));
  if (algo === 'ppo') {
    // evaluation as fit-answers does it: every test item once, greedy, through envPolicy
    const testEnv = new AnswerEnsembleEnv({ data, split: 'test', order: 'sequential' });
    const n = Math.min(1000, itemsOf(data, 'test').length);
    const policy = a.envPolicy();
    const rng = new Rng(`${seed}/eval`);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const { observations } = await testEnv.reset({ seed, options: { itemIndex: i } });
      await testEnv.step(policy.act(observations as Record<string, Float32Array>, rng, { deterministic: true }).actions as Record<string, Float32Array>);
    }
    const seconds = (performance.now() - t0) / 1000;
    evaluation = { items: n, seconds, secondsPer1000: (1000 * seconds) / n };
  }
  a.dispose();
}
{
  const a = makeAlgorithm(new FocalEnv({ data }), answerCfg('mappo'));
  rows.push(await train('MAPPO+focal', a));
  a.dispose();
}
const dirs = bundledDirs();
if (dirs.length > 0) {
  const models = await Promise.all(dirs.map((d) => OnnxCausalLM.load(d)));
  try {
    const env = new EnsembleDecodingEnv({
      models,
      task: sumReverseTask,
      split: 'train',
      numItems: 32,
      itemSeed: seed,
      spanLength: 4,
      maxSteps: 4,
      closeModels: false,
    });
    // the demo's PPO settings (--quick rollout length)
    const steps = smoke ? 64 : 512;
    const a = makeAlgorithm(env, {
      algo: 'ppo',
      seed,
      numSteps: 64,
      totalSteps: steps,
      learningRate: 1e-3,
      hidden: [64, 64],
      entCoef: 0.003,
      gamma: 1,
      initLogStd: -0.5,
    });
    rows.push(await train('PPO decoding (bundled models)', a));
    a.dispose();
    await env.close();
  } finally {
    await Promise.all(models.map((m) => m.close()));
  }
}

console.log(
  renderTable(
    ['config', 'env steps', 'wall s', 'rollout s', 'update s', 'env steps/s', `first ${FIRST_STEPS} steps/s`, 'rollout steps/s'],
    rows.map((r) => [
      r.config,
      r.envSteps,
      r.seconds.toFixed(2),
      r.rolloutSeconds.toFixed(2),
      r.updateSeconds.toFixed(2),
      Math.round(r.stepsPerSecond),
      r.firstStepsPerSecond === null ? '-' : Math.round(r.firstStepsPerSecond),
      Math.round(r.rolloutStepsPerSecond),
    ]),
  ),
);
const row = (name: string) => rows.find((r) => r.config === name);
const rate = (name: string) => Math.round(row(name)?.stepsPerSecond ?? NaN);
const firstRate = (name: string) => {
  const r = row(name)?.firstStepsPerSecond;
  return r === undefined || r === null ? 'n/a' : Math.round(r);
};
console.log(
  `end to end over ${answerSteps} steps: PPO ${rate('PPO answer')} env steps/s (target 5000), MAPPO+focal ${rate('MAPPO+focal')} env steps/s (target 1000); ` +
    `over the first ${FIRST_STEPS}: PPO ${firstRate('PPO answer')}, MAPPO+focal ${firstRate('MAPPO+focal')}; ` +
    `evaluation ${evaluation ? evaluation.secondsPer1000.toFixed(3) : 'n/a'} s per 1000 items (target < 0.5)` +
    `; data ${data.source}, backend ${backend}${smoke ? ' [smoke: sizes too small to be meaningful]' : ''}`,
);
writeBenchResult('train-throughput', smoke, {
  benchmark: 'train-throughput',
  seed,
  smoke,
  backend,
  data: data.source,
  answerSteps,
  versions: versionsOf({ tfjs: '@tensorflow/tfjs', onnxruntime: 'onnxruntime-node' }),
  machine: machineInfo(),
  rows,
  evaluation,
});
