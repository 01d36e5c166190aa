import { resolve } from 'node:path';
import type { Command } from 'commander';
import { initBackend } from '../../backend/initBackend.js';
import { sumReverseTask } from '../../ensemble/tasks/sumReverseTask.js';
import { runDecodingExperiment, type DecodingExperimentConfig } from '../../experiments/decoding/runDecodingExperiment.js';
import { formatResultsTable } from '../formatResultsTable.js';
import { Progress } from '../Progress.js';
import { addDecodingOptions, addRunOptions, configFromOptions, createRunDir, loadModels } from './common.js';
import { readConfigFile, type RunConfig } from '../RunConfig.js';
import { addResumeOption, openRun, recordRun } from '../resumableRun.js';

/**
 * Experiment settings of `demo` (and `--quick`) derived from the resolved run config. Unless set
 * explicitly, the span is one token: the bundled byte-BPE model merges the segment separator with its
 * neighbours (` 64 ;`), so with longer spans the switch point falls inside a span for many prompts.
 */
export function demoExperimentConfig(cfg: RunConfig, runDir: string, explicit: ReadonlySet<string>): DecodingExperimentConfig {
  const quick = cfg.quick;
  const spanLength = explicit.has('spanLength') ? cfg.spanLength : 1;
  return {
    seed: cfg.seed,
    steps: explicit.has('steps') ? cfg.steps : quick ? 256 : 10240,
    spanLength,
    maxSteps: explicit.has('maxSteps') ? cfg.maxSteps : Math.ceil(16 / spanLength),
    trainItems: quick ? Math.min(cfg.trainItems, 32) : cfg.trainItems,
    validationItems: quick ? 12 : 60,
    testItems: quick ? Math.min(cfg.testItems, 12) : cfg.testItems,
    algos: ['ppo', 'mappo'],
    gridResolution: quick ? 2 : 4,
    trainReward: 'segments',
    // gamma 1: the reward comes only at the end of a short answer; a narrower initial policy (log-std -0.5)
    // keeps early rollouts close to uniform mixing instead of random one-model switches.
    // MAPPO's actors see only their own model, so they learn the switch point more slowly: a larger step size.
    perAlgo: cfg.ppo?.learningRate === undefined ? { mappo: { learningRate: 2e-3 } } : {},
    ppo: {
      numSteps: quick ? 64 : 256,
      learningRate: 1e-3,
      hidden: [64, 64],
      numMinibatches: 4,
      updateEpochs: 4,
      entCoef: 0.003,
      gamma: 1,
      gaeLambda: 0.95,
      initLogStd: -0.5,
      ...(cfg.ppo ?? {}),
    },
    runDir,
    // Absolute, so `eval --checkpoint <run>/checkpoints/ppo.json` reloads the same models from any folder; [] = the bundled ones.
    modelDirs: cfg.models.map((d) => resolve(d)),
  };
}

/** Registers `demo`: trains PPO and MAPPO on the bundled models and prints the comparison table. */
export function registerDemoCommand(program: Command): void {
  const cmd = program
    .command('demo')
    .description(
      'offline RLAE demo: train PPO and MAPPO to weigh the bundled tiny models span by span, compare with single models, uniform, best fixed weights and a segment oracle on held-out prompts',
    )
    .option('--quick', 'small budgets (seconds): checks the pipeline, numbers are not meaningful');
  addRunOptions(cmd);
  addDecodingOptions(cmd);
  addResumeOption(cmd);
  cmd.action(async (given: Record<string, unknown>) => {
    const { options: opts, resumeDir } = openRun('demo', given);
    const cfg = configFromOptions(opts);
    await initBackend();
    const models = await loadModels(cfg.models);
    try {
      const runDir = resumeDir ?? createRunDir(cfg.out, cfg.quick ? 'demo-quick' : 'demo');
      recordRun(runDir, 'demo', opts);
      const fileKeys = typeof opts.config === 'string' ? Object.keys(readConfigFile(opts.config)) : [];
      const exp = demoExperimentConfig(cfg, runDir, new Set([...fileKeys, ...Object.keys(opts).filter((k) => opts[k] !== undefined)]));
      process.stderr.write(`run folder: ${runDir}${resumeDir ? ' (resumed)' : ''}\n`);
      const res = await runDecodingExperiment(
        models,
        sumReverseTask,
        exp,
        { log: (l) => process.stderr.write(`${l}\n`), progress: (label, total, lines) => new Progress(label, total, lines) },
        { resume: resumeDir !== null },
      );
      process.stdout.write(`${formatResultsTable(res.rows)}\n`);
      process.stdout.write(
        `test items: ${exp.testItems}, training: ${exp.steps} env steps per algorithm (${Object.entries(res.trainSeconds)
          .map(([a, s]) => `${a} ${s.toFixed(0)} s`)
          .join(', ')})\n`,
      );
      process.stdout.write(`results, metrics, checkpoints and plots: ${runDir}\n`);
      process.stdout.write(`plots (PNG, SVG beside each): ${res.plots.join(', ')}\n`);
    } finally {
      await Promise.all(models.map((m) => m.close()));
    }
  });
}
