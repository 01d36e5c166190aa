import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { IterationMetrics, OnPolicyAlgorithm } from './OnPolicyAlgorithm.js';
import { saveCheckpoint } from './checkpoint.js';

/** Iteration metrics plus throughput. */
export interface TrainerMetrics extends IterationMetrics {
  /** Env steps (all copies) per wall-clock second of this iteration. */
  readonly stepsPerSecond: number;
}

/** Hooks called by `Trainer.run`. */
export interface TrainerCallbacks {
  /** After every iteration, with its metrics; may be async. Return `false` to stop training. */
  onIteration?(metrics: TrainerMetrics, algo: OnPolicyAlgorithm): void | boolean | Promise<void | boolean>;
}

/** Options of `Trainer`. */
export interface TrainerOptions {
  /** Append one JSON line of metrics per iteration here (directories are created). */
  readonly metricsPath?: string;
  /** Write a checkpoint here every `checkpointEvery` iterations and at the end. */
  readonly checkpointPath?: string;
  readonly checkpointEvery?: number;
  readonly callbacks?: readonly TrainerCallbacks[];
}

/**
 * Runs any `OnPolicyAlgorithm` (PPO, IPPO, MAPPO over one env or env copies) for its configured number
 * of iterations: logs JSONL metrics, calls callbacks, writes checkpoints. Same seed → identical metrics
 * (apart from the timing fields) on one backend.
 */
export class Trainer {
  /** Wraps `algo`; the caller keeps ownership of the envs and of `algo`. */
  constructor(readonly algo: OnPolicyAlgorithm, readonly options: TrainerOptions = {}) {
    if (options.metricsPath) mkdirSync(dirname(options.metricsPath), { recursive: true });
  }

  /** Runs until the configured total steps (or `maxIterations` more iterations); returns the metrics of each. */
  async run(maxIterations = Infinity): Promise<TrainerMetrics[]> {
    const out: TrainerMetrics[] = [];
    const { algo, options } = this;
    let done = 0;
    while (algo.iteration < algo.numIterations && done < maxIterations) {
      const t0 = performance.now();
      const m = await algo.iterate();
      const seconds = (performance.now() - t0) / 1000;
      const metrics: TrainerMetrics = { ...m, stepsPerSecond: (algo.config.numSteps * algo.numEnvs) / seconds };
      out.push(metrics);
      done += 1;
      if (options.metricsPath) appendFileSync(options.metricsPath, `${JSON.stringify(metrics)}\n`);
      let stop = false;
      for (const cb of options.callbacks ?? []) if ((await cb.onIteration?.(metrics, algo)) === false) stop = true;
      const every = options.checkpointEvery ?? 0;
      if (options.checkpointPath && every > 0 && algo.iteration % every === 0) saveCheckpoint(options.checkpointPath, algo);
      if (stop) break;
    }
    if (options.checkpointPath) saveCheckpoint(options.checkpointPath, algo);
    return out;
  }
}
