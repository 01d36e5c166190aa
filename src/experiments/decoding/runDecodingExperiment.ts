import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageInfo } from '../../core/packageInfo.js';
import { EnsembleDecodingEnv } from '../../envs/EnsembleDecodingEnv.js';
import type { Task } from '../../ensemble/tasks/Task.js';
import type { ModelAdapter } from '../../models/ModelAdapter.js';
import { plannedSteps, runWithCheckpoints } from '../../algos/runWithCheckpoints.js';
import type { PPOConfig } from '../../algos/PPOConfig.js';
import { readMetricsJsonl } from '../../viz/MetricsRecord.js';
import type { WeightTrace } from '../../viz/weightHeatmapSpec.js';
import { writeRunPlots } from '../../viz/writeRunPlots.js';
import type { Policy } from '../../agents/Policy.js';
import { FixedWeightsPolicy, simplexGrid } from '../../agents/baselines/FixedWeightsPolicy.js';
import { evaluateDecoding, type DecodingEvalResult } from './evaluateDecoding.js';
import { segmentCreditScorer } from './segmentCreditScorer.js';
import { SegmentOraclePolicy } from './SegmentOraclePolicy.js';
import { timeDecoding } from './timeDecoding.js';

/** Settings of one decoding experiment (train PPO/MAPPO, compare with baselines on the test split). */
export interface DecodingExperimentConfig {
  readonly seed: number;
  /** Env steps of training per algorithm. */
  readonly steps: number;
  readonly spanLength: number;
  readonly maxSteps: number;
  readonly trainItems: number;
  /** Validation items used to pick the best fixed weights and each segment's best model. */
  readonly validationItems: number;
  readonly testItems: number;
  readonly algos: readonly ('ppo' | 'ippo' | 'mappo')[];
  /** Grid of fixed weights searched: multiples of 1/resolution. */
  readonly gridResolution: number;
  /** Training reward: the task's exact match, or `segments` (partial credit per right segment, see segmentCreditScorer). */
  readonly trainReward: 'exact' | 'segments';
  /** PPO settings shared by the algorithms (algo, seed and totalSteps are set per run). */
  readonly ppo: Partial<PPOConfig>;
  /** Per-algorithm settings applied over `ppo` (e.g. a higher learning rate for MAPPO's decentralised actors). */
  readonly perAlgo?: Partial<Record<'ppo' | 'ippo' | 'mappo', Partial<PPOConfig>>>;
  /** Run folder (created). */
  readonly runDir: string;
  /** Model directories as config.json records them for `eval` (absolute; empty: the bundled models); unset: not recorded. */
  readonly modelDirs?: readonly string[];
  /** Timed passes per method over the test items, interleaved across methods episode by episode after every method was evaluated (default 2; see `timeDecoding`). */
  readonly timingRounds?: number;
}

/** One row of the comparison table. */
export interface MethodResult {
  readonly method: string;
  readonly kind: 'single' | 'baseline' | 'learned' | 'oracle';
  readonly accuracy: number;
  /** Union tokens per second over the timed passes (`timeDecoding`, interleaved with the other methods). */
  readonly tokensPerSecond: number;
  /** Mean wall seconds of one timed pass over the test items. */
  readonly wallSeconds: number;
  /** The fixed weights used (fixed-weight methods). */
  readonly weights?: readonly number[];
}

/** What `runDecodingExperiment` returns and writes to `results.json`. */
export interface DecodingExperimentResults {
  readonly models: readonly string[];
  readonly rows: readonly MethodResult[];
  readonly bestFixedWeights: readonly number[];
  readonly bestModelBySegment: Record<string, string>;
  readonly trainSeconds: Record<string, number>;
  readonly runDir: string;
  readonly plots: readonly string[];
}

/** A progress display for one loop of `total` units (the CLI passes its progress bar). */
export interface ProgressSink {
  update(done: number, facts?: { successRate?: number; meanReturn?: number }): void;
  stop(): void;
}

/** Where progress lines go. */
export interface ExperimentIO {
  readonly log: (line: string) => void;
  /** A progress display for `label` (`lines`: plain lines when not on a terminal); default none. */
  readonly progress?: (label: string, total: number, lines?: boolean) => ProgressSink;
}

const NO_PROGRESS: ProgressSink = { update: () => {}, stop: () => {} };

/** A method evaluated on the test items, waiting for its timed passes. */
interface Evaluated {
  readonly method: string;
  readonly kind: MethodResult['kind'];
  readonly result: DecodingEvalResult;
  readonly policy: Policy;
  readonly weights?: readonly number[];
}

/**
 * The RLAE experiment on a task with a set of models: baselines (each model alone, uniform weights,
 * the best fixed weights on a grid chosen on validation items, a segment oracle), then PPO / MAPPO
 * trained on the train split, all evaluated greedily on held-out test items, then timed in passes
 * interleaved across methods episode by episode (`timingRounds`, see `timeDecoding`). Writes `config.json`,
 * `metrics.jsonl`, `checkpoints/<algo>.json` (every iteration), `results.json` and `plots/*.png` into
 * `runDir`. With `resume`, training continues from the checkpoints an interrupted run left there.
 */
export async function runDecodingExperiment(
  models: readonly ModelAdapter[],
  task: Task,
  cfg: DecodingExperimentConfig,
  io: ExperimentIO,
  opts: { readonly resume?: boolean } = {},
): Promise<DecodingExperimentResults> {
  mkdirSync(join(cfg.runDir, 'checkpoints'), { recursive: true });
  // `models` holds what `eval` reloads (directories); `modelIds` the names the tables use.
  const { modelDirs, ...settings } = cfg;
  writeFileSync(
    join(cfg.runDir, 'config.json'),
    JSON.stringify(
      { ...settings, task: task.name, modelIds: models.map((m) => m.id), ...(modelDirs ? { models: modelDirs } : {}), package: packageInfo() },
      null,
      1,
    ),
  );
  const metricsPath = join(cfg.runDir, 'metrics.jsonl');
  if (!opts.resume || !existsSync(metricsPath)) writeFileSync(metricsPath, '');
  const envOf = (split: 'train' | 'validation' | 'test', numItems: number): EnsembleDecodingEnv =>
    new EnsembleDecodingEnv({
      models,
      task,
      split,
      numItems,
      itemSeed: cfg.seed,
      spanLength: cfg.spanLength,
      maxSteps: cfg.maxSteps,
      closeModels: false,
      ...(split === 'train' && cfg.trainReward === 'segments' ? { scorer: segmentCreditScorer(task) } : {}),
    });
  const valEnv = envOf('validation', cfg.validationItems);
  const testEnv = envOf('test', cfg.testItems);
  const ids = models.map((m) => m.id);
  const n = models.length;
  const evaluated: Evaluated[] = [];
  const traces: WeightTrace[] = [];
  const progress = (label: string, total: number, lines?: boolean): ProgressSink => io.progress?.(label, total, lines) ?? NO_PROGRESS;
  const fixedWeights = (weights: readonly number[]): Policy => new FixedWeightsPolicy({ agents: ids, weights });
  const evalTest = async (label: string, policy: Policy, traceItems = 0): Promise<DecodingEvalResult> => {
    const bar = progress(`eval ${label}`, testEnv.items.length, false);
    const r = await evaluateDecoding(testEnv, policy, { seed: cfg.seed, traceItems, onEpisode: (done, _t, acc) => bar.update(done, { successRate: acc }) });
    bar.stop();
    return r;
  };

  // Baselines chosen on validation items: each model alone (also gives each segment's best model), then the weight grid.
  io.log(`validation: ${valEnv.items.length} items, ${n} models (${ids.join(', ')}), union vocabulary ${valEnv.vocab.size} tokens`);
  const segCorrect = task.segmentNames.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    const oneHot = ids.map((_, j) => (j === i ? 1 : 0));
    const r = await evaluateDecoding(valEnv, fixedWeights(oneHot), { seed: cfg.seed });
    for (const o of r.outcomes) {
      const item = valEnv.items[o.itemIndex] as Parameters<Task['segmentScores']>[1];
      task.segmentScores(o.prediction, item).forEach((s, k) => (segCorrect[k][i] += s.correct ? 1 : 0));
    }
  }
  const bestModelBySegment = segCorrect.map((counts) => counts.indexOf(Math.max(...counts)));
  let best = { weights: ids.map(() => 1 / n), accuracy: -1 };
  const grid = simplexGrid(n, cfg.gridResolution);
  const gridBar = progress('grid', grid.length, false);
  for (let g = 0; g < grid.length; g++) {
    const r = await evaluateDecoding(valEnv, fixedWeights(grid[g]), { seed: cfg.seed });
    if (r.accuracy > best.accuracy) best = { weights: grid[g], accuracy: r.accuracy };
    gridBar.update(g + 1, { successRate: best.accuracy });
  }
  gridBar.stop();
  io.log(`best fixed weights on validation: [${best.weights.map((w) => w.toFixed(2)).join(', ')}] (accuracy ${(100 * best.accuracy).toFixed(1)}%)`);

  const evaluate = async (method: string, kind: MethodResult['kind'], label: string, policy: Policy, traceItems = 0, weights?: readonly number[]) => {
    const result = await evalTest(label, policy, traceItems);
    evaluated.push({ method, kind, result, policy, ...(weights ? { weights } : {}) });
    return result;
  };
  for (let i = 0; i < n; i++) await evaluate(`${ids[i]} alone`, 'single', ids[i], fixedWeights(ids.map((_, j) => (j === i ? 1 : 0))));
  await evaluate('uniform weights', 'baseline', 'uniform', fixedWeights(ids.map(() => 1 / n)));
  const fixed = await evaluate('best fixed weights', 'baseline', 'best fixed', fixedWeights(best.weights), 3, best.weights);
  traces.push(...fixed.traces.map((t) => ({ ...t, item: `fixed: ${t.item}` })));

  // Training: one Trainer per algorithm on its own train env (same items, same seed).
  const trainSeconds: Record<string, number> = {};
  // Kept until the timed passes are done: their policies share the algorithms' weights.
  const algos: { dispose(): void }[] = [];
  for (const algoName of cfg.algos) {
    const trainEnv = envOf('train', cfg.trainItems);
    const ppo = { ...cfg.ppo, ...cfg.perAlgo?.[algoName], algo: algoName, seed: cfg.seed, totalSteps: cfg.steps };
    const bar = progress(algoName, plannedSteps(trainEnv, ppo));
    const t0 = performance.now();
    const algo = await runWithCheckpoints(trainEnv, ppo, {
      checkpointPath: join(cfg.runDir, 'checkpoints', `${algoName}.json`),
      metricsPath,
      label: algoName,
      resume: opts.resume ?? false,
      callbacks: [{ onIteration: (m) => bar.update(m.globalStep, { successRate: m.successRate ?? undefined, meanReturn: m.episodeReturn ?? undefined }) }],
    });
    bar.stop();
    trainSeconds[algoName] = (performance.now() - t0) / 1000;
    io.log(`${algoName}: trained ${algo.globalStep} steps in ${trainSeconds[algoName].toFixed(1)} s`);
    algos.push(algo);
    const r = await evaluate(algoName.toUpperCase(), 'learned', algoName, algo.envPolicy(), 3);
    traces.push(...r.traces.map((t) => ({ ...t, item: `${algoName}: ${t.item}` })));
    await trainEnv.close();
  }
  await evaluate('oracle switching (segment-aware)', 'oracle', 'oracle', new SegmentOraclePolicy(testEnv, task, bestModelBySegment));

  // Speed is timed apart from accuracy: each method right after its own evaluation would be timed
  // under whatever load (or post-training garbage collection) held then.
  const rounds = cfg.timingRounds ?? 2;
  const timingBar = progress('timing', rounds * testEnv.items.length * evaluated.length, false);
  const speeds = await timeDecoding(
    testEnv,
    evaluated.map((e) => e.policy),
    { rounds, seed: cfg.seed, onEpisode: (done) => timingBar.update(done) },
  );
  timingBar.stop();
  for (const algo of algos) algo.dispose();
  const rows: MethodResult[] = evaluated.map((e, i) => ({
    method: e.method,
    kind: e.kind,
    accuracy: e.result.accuracy,
    tokensPerSecond: speeds[i].tokensPerSecond,
    wallSeconds: speeds[i].secondsPerPass,
    ...(e.weights ? { weights: e.weights } : {}),
  }));

  const plots = await writeRunPlots(join(cfg.runDir, 'plots'), {
    metrics: readMetricsJsonl(metricsPath),
    traces,
    accuracy: rows.map((r) => ({ method: r.method, accuracy: r.accuracy })),
  });
  const results: DecodingExperimentResults = {
    models: ids,
    rows,
    bestFixedWeights: best.weights,
    bestModelBySegment: Object.fromEntries(task.segmentNames.map((s, k) => [s, ids[bestModelBySegment[k]]])),
    trainSeconds,
    runDir: cfg.runDir,
    plots,
  };
  writeFileSync(join(cfg.runDir, 'results.json'), JSON.stringify({ ...results, package: packageInfo() }, null, 1));
  await valEnv.close();
  await testEnv.close();
  return results;
}
