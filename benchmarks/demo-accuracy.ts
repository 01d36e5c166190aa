// Question: does learning span-wise weights beat the best fixed weighting of the bundled models?
// Runs the `demo` experiment (PPO and MAPPO on EnsembleDecodingEnv with the bundled models, held-out
// test prompts) and prints the table: each model alone, uniform, best fixed weights, PPO, MAPPO and
// the segment oracle, with accuracy, tokens/s and wall time, plus each learned method's gain.
//
//   npx tsx benchmarks/demo-accuracy.ts [--smoke] [--seed N] [--steps N]
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { initBackend } from '../src/backend/initBackend.js';
import { sumReverseTask } from '../src/ensemble/tasks/sumReverseTask.js';
import { resolveRunConfig } from '../src/cli/RunConfig.js';
import { createRunDir, loadModels } from '../src/cli/commands/common.js';
import { demoExperimentConfig } from '../src/cli/commands/demo.js';
import { runDecodingExperiment } from '../src/experiments/decoding/runDecodingExperiment.js';
import { formatResultsTable } from '../src/cli/formatResultsTable.js';
import { benchArgs, machineInfo, versionsOf, writeBenchResult } from './lib/benchReport.js';

const { smoke, flag } = benchArgs();
const seed = flag('--seed') ?? 0;
const steps = flag('--steps');

const backend = await initBackend({ log: () => {} });
const cfg = resolveRunConfig({}, { seed, quick: smoke, ...(steps !== undefined ? { steps } : {}) });
const runDir = createRunDir(smoke ? join(tmpdir(), 'leg-bench-runs') : 'runs', smoke ? 'demo-accuracy-smoke' : 'demo-accuracy');
const exp = demoExperimentConfig(cfg, runDir, new Set(steps !== undefined ? ['steps'] : []));
const models = await loadModels([]);
const t0 = performance.now();
const res = await runDecodingExperiment(models, sumReverseTask, exp, { log: () => {} });
const wall = (performance.now() - t0) / 1000;
await Promise.all(models.map((m) => m.close()));

console.log(formatResultsTable(res.rows));
const acc = (m: string): number => res.rows.find((r) => r.method === m)?.accuracy ?? NaN;
const fixed = acc('best fixed weights');
const gain = (m: string): string => `${((acc(m) - fixed) * 100).toFixed(1)} points`;
console.log(
  `ratio learned vs best fixed weights: PPO ${gain('PPO')}, MAPPO ${gain('MAPPO')} (goal >= +5; ${exp.testItems} test prompts, ${exp.steps} training steps each, ${wall.toFixed(0)} s in all)${smoke ? ' [smoke: budgets too small to be meaningful]' : ''}`,
);

writeBenchResult('demo-accuracy', smoke, {
  benchmark: 'demo-accuracy',
  seed,
  smoke,
  backend: backend.backend,
  versions: versionsOf({ tfjs: '@tensorflow/tfjs', onnxruntime: 'onnxruntime-node' }),
  machine: machineInfo(),
  experiment: exp,
  wallSeconds: wall,
  results: res,
});
