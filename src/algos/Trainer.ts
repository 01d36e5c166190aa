import { appendFileSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { truncateTornTail } from '../core/readJsonl.js';
import { writeFileAtomic } from '../core/writeFileAtomic.js';
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
  /**
   * Append one JSON line of metrics per iteration here (directories are created): the iteration's
   * metrics plus `algo` (`metricsLabel`), `step` (the global step) and `meanReturn`, so the file is
   * also a `metrics.jsonl` that `readMetricsJsonl` and the plots read. On an algorithm resumed from a
   * checkpoint, the file is first made to match it (see `Trainer.run`).
   */
  readonly metricsPath?: string;
  /** The `algo` field of each metrics line (default `config.algo`); runs that share one file tell their lines apart by it. */
  readonly metricsLabel?: string;
  /**
   * The run continues one that was interrupted, so the metrics file is aligned with the algorithm
   * even at iteration 0 (lines of this label logged before the first checkpoint are dropped).
   * Default: aligned only when the algorithm's iteration is above 0.
   */
  readonly resumed?: boolean;
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
  private started = false;

  /** Wraps `algo`; the caller keeps ownership of the envs and of `algo`. */
  constructor(
    readonly algo: OnPolicyAlgorithm,
    readonly options: TrainerOptions = {},
  ) {
    if (options.metricsPath) mkdirSync(dirname(options.metricsPath), { recursive: true });
  }

  /**
   * Runs until the configured total steps (or `maxIterations` more iterations); returns the metrics of each.
   * The first call on a resumed algorithm (iteration > 0, or `resumed`) first aligns `metricsPath` with
   * its checkpoint: a torn last line is cut and the lines of this label with later iterations are
   * dropped, so no iteration is logged twice and the file ends as an uninterrupted run's would.
   */
  async run(maxIterations = Infinity): Promise<TrainerMetrics[]> {
    const out: TrainerMetrics[] = [];
    const { algo, options } = this;
    const label = options.metricsLabel ?? algo.config.algo;
    if (!this.started) {
      if (options.metricsPath && (algo.iteration > 0 || options.resumed)) await alignMetricsWithCheckpoint(options.metricsPath, algo.iteration, label);
      this.started = true;
    }
    let done = 0;
    while (algo.iteration < algo.numIterations && done < maxIterations) {
      const t0 = performance.now();
      const m = await algo.iterate();
      const seconds = (performance.now() - t0) / 1000;
      const metrics: TrainerMetrics = { ...m, stepsPerSecond: (algo.config.numSteps * algo.numEnvs) / seconds };
      out.push(metrics);
      done += 1;
      if (options.metricsPath)
        appendFileSync(options.metricsPath, `${JSON.stringify({ ...metrics, algo: label, step: metrics.globalStep, meanReturn: metrics.episodeReturn })}\n`);
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

/**
 * Makes the metrics log of a run resumed at `iteration` match its checkpoint. The metrics line of an
 * iteration is appended before its checkpoint is written, so after a crash the log may hold iterations
 * the checkpoint does not (they are trained and logged again) and a torn line; both are removed (lines
 * of other labels, i.e. other algorithms sharing the file, are kept), the rest is kept byte for byte.
 * The file is rewritten atomically, and only when something changes.
 */
async function alignMetricsWithCheckpoint(path: string, iteration: number, label: string): Promise<void> {
  // Throws JsonlError (leaving the file as it is) on a corrupt line that is not a torn tail.
  await truncateTornTail(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  // Every non-blank line parses: truncateTornTail checked the whole file.
  const kept = lines.filter((line) => {
    if (line.trim() === '') return true;
    // Lines of this trainer: its own (`algo` = label), untagged ones, and lines others tagged `trainer: label`.
    const rec = JSON.parse(line) as { iteration?: unknown; algo?: unknown; trainer?: unknown } | null;
    const ours = rec?.algo === undefined || rec.algo === label || rec.trainer === label;
    return !(ours && typeof rec?.iteration === 'number' && rec.iteration > iteration);
  });
  // A complete last line without its newline would have the next append glued onto it.
  if (kept.length === lines.length && (text === '' || text.endsWith('\n'))) return;
  await writeFileAtomic(path, kept.map((line) => `${line}\n`).join(''));
}
