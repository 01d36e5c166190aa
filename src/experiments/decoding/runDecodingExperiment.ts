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
}

/** One row of the comparison table. */
export interface MethodResult {
  readonly method: string;
  readonly kind: 'single' | 'baseline' | 'learned' | 'oracle';
  readonly accuracy: number;
  readonly tokensPerSecond: number;
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

function row(method: string, kind: MethodResult['kind'], r: DecodingEvalResult, weights?: readonly number[]): MethodResult {
  return { method, kind, accuracy: r.accuracy, tokensPerSecond: r.tokensPerSecond, wallSeconds: r.wallSeconds, ...(weights ? { weights } : {}) };
}

/**
 * The RLAE experiment on a task with a set of models: baselines (each model alone, uniform weights,
 * the best fixed weights on a grid chosen on validation items, a segment oracle), then PPO / MAPPO
 * trained on the train split, all evaluated greedily on held-out test items. Writes `config.json`,
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
  const rows: MethodResult[] = [];
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

  for (let i = 0; i < n; i++) rows.push(row(`${ids[i]} alone`, 'single', await evalTest(ids[i], fixedWeights(ids.map((_, j) => (j === i ? 1 : 0))))));
  rows.push(row('uniform weights', 'baseline', await evalTest('uniform', fixedWeights(ids.map(() => 1 / n)))));
  const fixed = await evalTest('best fixed', fixedWeights(best.weights), 3);
  rows.push(row('best fixed weights', 'baseline', fixed, best.weights));
  traces.push(...fixed.traces.map((t) => ({ ...t, item: `fixed: ${t.item}` })));

  // Training: one Trainer per algorithm on its own train env (same items, same seed).
  const trainSeconds: Record<string, number> = {};
  const learned: MethodResult[] = [];
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
    const r = await evalTest(algoName, algo.envPolicy(), 3);
    learned.push(row(algoName.toUpperCase(), 'learned', r));
    traces.push(...r.traces.map((t) => ({ ...t, item: `${algoName}: ${t.item}` })));
    algo.dispose();
    await trainEnv.close();
  }
  rows.push(...learned);
  rows.push(row('oracle switching (segment-aware)', 'oracle', await evalTest('oracle', new SegmentOraclePolicy(testEnv, task, bestModelBySegment))));

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
