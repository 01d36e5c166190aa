import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PPOConfig } from '../../algos/PPOConfig.js';
import { packageInfo } from '../../core/packageInfo.js';
import type { TrainerMetrics } from '../../algos/Trainer.js';
import { itemsOf, type AnswerDataset } from '../../envs/answerData.js';
import { readMetricsJsonl } from '../../viz/MetricsRecord.js';
import { writeRunPlots } from '../../viz/writeRunPlots.js';
import { answerBaselines, methodRow, type AnswerMethodResult } from './answerBaselines.js';
import { trainAnswerFusion, type CurvePoint, type FusionEnvOptions } from './trainAnswerFusion.js';

/** What a fit-answers run needs (the CLI maps its flags to this). */
export interface FitAnswersConfig {
  readonly data: AnswerDataset;
  /** Train the RL-Focal decider too (FocalEnv) instead of the fusion agents alone. */
  readonly focal: boolean;
  /** Fusion mode, reward, features (and decider options for `focal`). */
  readonly env: FusionEnvOptions;
  /** Algorithm settings; `algo`, `seed` and `totalSteps` are required. */
  readonly ppo: Partial<PPOConfig> & Pick<PPOConfig, 'algo' | 'seed' | 'totalSteps'>;
  /** Env copies stepped as one batch. */
  readonly numEnvs: number;
  /** Folder the run writes metrics, checkpoint, plots and results into (must exist). */
  readonly runDir: string;
  /** Learning-curve points (greedy accuracy on train items; the test split is only scored at the end). */
  readonly curvePoints?: number;
  /** Called after every training iteration (progress display). */
  readonly onIteration?: (m: TrainerMetrics) => void;
  /** Continue a killed run in `runDir` from its checkpoint (a checkpoint is written every iteration). */
  readonly resume?: boolean;
}

/** What a fit-answers run produced. */
export interface FitAnswersResult {
  readonly rows: readonly AnswerMethodResult[];
  readonly tasks: readonly string[];
  readonly curve: readonly CurvePoint[];
  readonly trainSeconds: number;
  readonly totalSeconds: number;
  readonly globalStep: number;
  readonly plots: readonly string[];
  readonly numTrain: number;
  readonly numTest: number;
}

/**
 * Fits the baselines and trains the learned fusion (or decider + fusion) on the train split only,
 * scores all of them on the test split, overall and per task, and writes `metrics.jsonl` (with the
 * learning curve), `checkpoint.json`, `plots/` and `results.json` into `runDir`.
 */
export async function runFitAnswers(cfg: FitAnswersConfig): Promise<FitAnswersResult> {
  const t0 = performance.now();
  const { data, focal, runDir } = cfg;
  const rows: AnswerMethodResult[] = answerBaselines(data, cfg.ppo.seed);
  const metricsPath = join(runDir, 'metrics.jsonl');
  if (!cfg.resume || !existsSync(metricsPath)) writeFileSync(metricsPath, '');
  const label = `${cfg.ppo.algo}${focal ? '+focal' : ''}`;
  const curveLabel = `${label} greedy accuracy (train items)`;
  const numIterations = Math.max(1, Math.floor(cfg.ppo.totalSteps / ((cfg.ppo.numSteps ?? 128) * cfg.numEnvs)));
  const every = Math.max(1, Math.round(numIterations / (cfg.curvePoints ?? 10)));
  const run = await trainAnswerFusion({
    data,
    focal,
    env: cfg.env,
    ppo: cfg.ppo,
    numEnvs: cfg.numEnvs,
    checkpointPath: join(runDir, 'checkpoint.json'),
    metricsPath,
    label,
    resume: cfg.resume,
    curve: { split: 'train', every, items: 400 },
    // Curve points are logged as they are measured, tagged with the trainer's label and iteration, so a
    // resumed run drops those past its checkpoint together with the iterations' own lines.
    onCurvePoint: (c, iteration) =>
      appendFileSync(
        metricsPath,
        `${JSON.stringify({ algo: curveLabel, step: c.step, successRate: c.accuracy, meanSize: c.meanSize, trainer: label, iteration })}\n`,
      ),
    onIteration: (m) => cfg.onIteration?.(m),
  });
  const records = readMetricsJsonl(metricsPath);
  const curve = records.filter((r) => r.algo === curveLabel).map((r) => ({ step: r.step, accuracy: r.successRate as number, meanSize: r.meanSize as number }));
  const test = itemsOf(data, 'test');
  const learned = await run.evaluate('test');
  const n = data.models.length;
  const selectionFrequency = learned.selectionCounts.map((c) => c / Math.max(1, learned.episodes));
  const method = `${cfg.ppo.algo.toUpperCase()} ${focal ? 'decider + fusion' : 'learned fusion'} (${cfg.env.fusion ?? 'weights'})`;
  rows.push(
    methodRow(method, test, data.tasks, learned.correct, {
      meanSize: focal ? learned.meanSize : n,
      wallSeconds: learned.wallSeconds,
      ...(focal ? { selectionFrequency } : {}),
    }),
  );
  const globalStep = run.algo.globalStep;
  run.algo.dispose();
  const plots = await writeRunPlots(join(runDir, 'plots'), { metrics: records, accuracy: rows.map((r) => ({ method: r.method, accuracy: r.accuracy })) });
  const totalSeconds = (performance.now() - t0) / 1000;
  const result = {
    rows,
    tasks: data.tasks,
    curve,
    trainSeconds: run.trainSeconds,
    totalSeconds,
    globalStep,
    plots,
    numTrain: itemsOf(data, 'train').length,
    numTest: test.length,
  };
  writeFileSync(
    join(runDir, 'results.json'),
    JSON.stringify({ data: data.source, models: data.models, env: cfg.env, ppo: cfg.ppo, numEnvs: cfg.numEnvs, ...result, package: packageInfo() }, null, 1),
  );
  return result;
}
