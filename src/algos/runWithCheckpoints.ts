import { existsSync } from 'node:fs';
import { CheckpointError, resumeFromCheckpoint } from './checkpoint.js';
import { makeAlgorithm, type AnyParallelEnv } from './makeAlgorithm.js';
import type { EnvCopies, OnPolicyAlgorithm } from './OnPolicyAlgorithm.js';
import { resolvePPOConfig, type PPOConfig } from './PPOConfig.js';
import { Trainer, type TrainerCallbacks } from './Trainer.js';

/** Options of `runWithCheckpoints`. */
export interface CheckpointedRunOptions {
  /** Where the checkpoint is written (every `checkpointEvery` iterations and at the end) and, on resume, read. */
  readonly checkpointPath: string;
  /** The run's metrics JSONL (see `TrainerOptions.metricsPath`). */
  readonly metricsPath: string;
  /** `algo` field of the metrics lines (default the config's algo). */
  readonly label?: string;
  /** Continue an interrupted run: start from `checkpointPath` when it exists and align the metrics file with it. */
  readonly resume: boolean;
  /** Iterations between checkpoints (default 1: a kill loses at most the iteration in progress). */
  readonly checkpointEvery?: number;
  readonly callbacks?: readonly TrainerCallbacks[];
}

/**
 * Trains `config` on `envs` to its end with periodic checkpoints; with `resume`, continues from the
 * checkpoint a killed run left (or from scratch when it had none yet), so that the metrics file and the
 * final model equal those of a run that was never interrupted (timing fields aside). A checkpoint
 * written under another config is refused with `CheckpointError`. Returns the trained algorithm (the
 * caller disposes it; the envs stay the caller's).
 */
export async function runWithCheckpoints(
  envs: EnvCopies<AnyParallelEnv>,
  config: Partial<PPOConfig>,
  opts: CheckpointedRunOptions,
): Promise<OnPolicyAlgorithm> {
  let algo: OnPolicyAlgorithm;
  if (opts.resume && existsSync(opts.checkpointPath)) {
    algo = await resumeFromCheckpoint(opts.checkpointPath, envs);
    const want = resolvePPOConfig(config) as unknown as Record<string, unknown>;
    const got = algo.config as unknown as Record<string, unknown>;
    const differs = Object.keys(want).find((k) => JSON.stringify(want[k]) !== JSON.stringify(got[k]));
    if (differs !== undefined) {
      algo.dispose();
      throw new CheckpointError(
        opts.checkpointPath,
        `was written with ppo.${differs} = ${JSON.stringify(got[differs])}, this run has ${JSON.stringify(want[differs])}`,
        'Resume with the config of the run that wrote it.',
      );
    }
  } else {
    algo = makeAlgorithm(envs, config as Partial<PPOConfig> & { algo: 'ppo' });
  }
  try {
    await new Trainer(algo, {
      metricsPath: opts.metricsPath,
      metricsLabel: opts.label,
      resumed: opts.resume,
      checkpointPath: opts.checkpointPath,
      checkpointEvery: opts.checkpointEvery ?? 1,
      callbacks: opts.callbacks,
    }).run();
  } catch (e) {
    algo.dispose();
    throw e;
  }
  return algo;
}

/** Env steps a run of `config` on `envs` trains in all (whole iterations, as `OnPolicyAlgorithm.numIterations`), for progress bars. */
export function plannedSteps(envs: EnvCopies<AnyParallelEnv>, config: Partial<PPOConfig>): number {
  const c = resolvePPOConfig(config);
  const perIteration = c.numSteps * (Array.isArray(envs) ? envs.length : 1);
  return Math.max(1, Math.floor(c.totalSteps / perIteration)) * perIteration;
}
