import type { Command } from 'commander';
import { initBackend } from '../../backend/initBackend.js';
import { sumReverseTask } from '../../ensemble/tasks/sumReverseTask.js';
import { runDecodingExperiment, type DecodingExperimentConfig } from '../decoding/runDecodingExperiment.js';
import { formatResultsTable } from '../decoding/formatResultsTable.js';
import { addDecodingOptions, addRunOptions, configFromOptions, createRunDir, loadModels } from './common.js';
import type { RunConfig } from '../RunConfig.js';

/** Experiment settings of `demo` (and `--quick`) derived from the resolved run config. */
export function demoExperimentConfig(cfg: RunConfig, runDir: string, explicitSteps: boolean): DecodingExperimentConfig {
  const quick = cfg.quick;
  return {
    seed: cfg.seed,
    steps: explicitSteps ? cfg.steps : quick ? 256 : 4096,
    spanLength: cfg.spanLength,
    maxSteps: cfg.maxSteps,
    trainItems: quick ? Math.min(cfg.trainItems, 32) : cfg.trainItems,
    validationItems: quick ? 12 : 60,
    testItems: quick ? Math.min(cfg.testItems, 12) : cfg.testItems,
    algos: ['ppo', 'mappo'],
    gridResolution: quick ? 2 : 4,
    ppo: { numSteps: quick ? 64 : 256, learningRate: 1e-3, hidden: [64, 64], numMinibatches: 4, updateEpochs: 4, entCoef: 0.003, gamma: 1, gaeLambda: 0.95 },
    runDir,
  };
}

/** Registers `demo`: trains PPO and MAPPO on the bundled models and prints the comparison table. */
export function registerDemoCommand(program: Command): void {
  const cmd = program
    .command('demo')
    .description('offline RLAE demo: train PPO and MAPPO to weigh the bundled tiny models span by span, compare with single models, uniform, best fixed weights and a segment oracle on held-out prompts')
    .option('--quick', 'small budgets (seconds): checks the pipeline, numbers are not meaningful');
  addRunOptions(cmd);
  addDecodingOptions(cmd);
  cmd.action(async (opts: Record<string, unknown>) => {
    const cfg = configFromOptions(opts);
    await initBackend();
    const models = await loadModels(cfg.models);
    try {
      const runDir = createRunDir(cfg.out, cfg.quick ? 'demo-quick' : 'demo');
      const exp = demoExperimentConfig(cfg, runDir, opts.steps !== undefined);
      process.stderr.write(`run folder: ${runDir}\n`);
      const res = await runDecodingExperiment(models, sumReverseTask, exp, { log: (l) => process.stderr.write(`${l}\n`) });
      process.stdout.write(`${formatResultsTable(res.rows)}\n`);
      process.stdout.write(`test items: ${exp.testItems}, training: ${exp.steps} env steps per algorithm (${Object.entries(res.trainSeconds).map(([a, s]) => `${a} ${s.toFixed(0)} s`).join(', ')})\n`);
      process.stdout.write(`results, metrics, checkpoints and plots: ${runDir}\n`);
    } finally {
      await Promise.all(models.map((m) => m.close()));
    }
  });
}
