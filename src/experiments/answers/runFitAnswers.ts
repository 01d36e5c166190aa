import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeAlgorithm } from '../../algos/makeAlgorithm.js';
import type { PPOConfig } from '../../algos/PPOConfig.js';
import { Trainer, type TrainerMetrics } from '../../algos/Trainer.js';
import { Rng } from '../../core/Rng.js';
import { AnswerEnsembleEnv } from '../../envs/AnswerEnsembleEnv.js';
import { FocalEnv } from '../../envs/FocalEnv.js';
import { itemsOf, type AnswerDataset } from '../../envs/answerData.js';
import { readMetricsJsonl, type MetricsRecord } from '../../viz/MetricsRecord.js';
import { writeRunPlots } from '../../viz/writeRunPlots.js';
import { answerBaselines, type AnswerMethodResult } from './answerBaselines.js';
import { evaluateAnswers } from './evaluateAnswers.js';

/** What a fit-answers run needs (the CLI maps its flags to this). */
export interface FitAnswersConfig {
  readonly data: AnswerDataset;
  /** Train the RL-Focal decider too (FocalEnv) instead of the fusion agents alone. */
  readonly focal: boolean;
  /** Algorithm settings; `algo`, `seed` and `totalSteps` are required. */
  readonly ppo: Partial<PPOConfig> & Pick<PPOConfig, 'algo' | 'seed' | 'totalSteps'>;
  /** Folder the run writes metrics, checkpoint, plots and results into (must exist). */
  readonly runDir: string;
  /** Called after every training iteration (progress display). */
  readonly onIteration?: (m: TrainerMetrics) => void;
}

/** What a fit-answers run produced. */
export interface FitAnswersResult {
  readonly rows: readonly AnswerMethodResult[];
  readonly trainSeconds: number;
  readonly globalStep: number;
  readonly plots: readonly string[];
  readonly numTrain: number;
  readonly numTest: number;
}

/**
 * Fits the baselines and trains the learned fusion (or decider + fusion) on the train split, scores
 * all of them on the test split, and writes `metrics.jsonl`, `checkpoint.json`, `plots/` and
 * `results.json` into `runDir`.
 */
export async function runFitAnswers(cfg: FitAnswersConfig): Promise<FitAnswersResult> {
  const { data, focal, runDir } = cfg;
  const seed = cfg.ppo.seed;
  const rows: AnswerMethodResult[] = [...(await answerBaselines(data, seed))];
  const make = (split: 'train' | 'test'): AnswerEnsembleEnv | FocalEnv =>
    focal ? new FocalEnv({ data, split, order: split === 'test' ? 'sequential' : 'shuffle' }) : new AnswerEnsembleEnv({ data, split, order: split === 'test' ? 'sequential' : 'shuffle' });
  const trainEnv = make('train');
  const testEnv = make('test');
  const algo = makeAlgorithm(trainEnv, cfg.ppo);
  const metricsPath = join(runDir, 'metrics.jsonl');
  writeFileSync(metricsPath, '');
  const label = `${cfg.ppo.algo}${focal ? '+focal' : ''}`;
  const t0 = performance.now();
  await new Trainer(algo, {
    checkpointPath: join(runDir, 'checkpoint.json'),
    callbacks: [
      {
        onIteration: (m) => {
          const rec: MetricsRecord = { ...m, algo: label, step: m.globalStep, meanReturn: m.episodeReturn ?? undefined, successRate: m.successRate ?? undefined };
          appendFileSync(metricsPath, `${JSON.stringify(rec)}\n`);
          cfg.onIteration?.(m);
        },
      },
    ],
  }).run();
  const trainSeconds = (performance.now() - t0) / 1000;
  const policy = algo.envPolicy();
  const rng = new Rng(`${seed}/eval`);
  const learned = await evaluateAnswers(testEnv, (obs) => policy.act(obs, rng, { deterministic: true }).actions as Record<string, Float32Array>, itemsOf(data, 'test').length, seed);
  rows.push({ method: `${cfg.ppo.algo.toUpperCase()}${focal ? ' (decider + fusion)' : ' (fusion)'}`, accuracy: learned.accuracy, meanSize: learned.meanSize, wallSeconds: learned.wallSeconds });
  const globalStep = algo.globalStep;
  algo.dispose();
  await trainEnv.close();
  await testEnv.close();
  const plots = await writeRunPlots(join(runDir, 'plots'), { metrics: readMetricsJsonl(metricsPath), accuracy: rows.map((r) => ({ method: r.method, accuracy: r.accuracy })) });
  writeFileSync(join(runDir, 'results.json'), JSON.stringify({ data: data.source, models: data.models, rows, trainSeconds, plots }, null, 1));
  return { rows, trainSeconds, globalStep, plots, numTrain: itemsOf(data, 'train').length, numTest: itemsOf(data, 'test').length };
}
