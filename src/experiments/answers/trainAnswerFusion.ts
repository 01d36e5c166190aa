import { makeAlgorithm } from '../../algos/makeAlgorithm.js';
import { runWithCheckpoints } from '../../algos/runWithCheckpoints.js';
import type { OnPolicyAlgorithm } from '../../algos/OnPolicyAlgorithm.js';
import type { PPOConfig } from '../../algos/PPOConfig.js';
import { Trainer, type TrainerCallbacks, type TrainerMetrics } from '../../algos/Trainer.js';
import { Rng } from '../../core/Rng.js';
import { AnswerEnsembleEnv, type AnswerEnsembleConfig } from '../../envs/AnswerEnsembleEnv.js';
import { FocalEnv, type FocalEnvConfig } from '../../envs/FocalEnv.js';
import { itemsOf, type AnswerDataset, type AnswerSplit } from '../../envs/answerData.js';
import { evaluateAnswers, type AnswerEvalResult } from './evaluateAnswers.js';

/** Env options of a learned fusion (everything of `AnswerEnsembleConfig` / `FocalEnvConfig` but the data and split). */
export type FusionEnvOptions = Omit<AnswerEnsembleConfig, 'data' | 'split' | 'order'> & Omit<FocalEnvConfig, 'data' | 'split' | 'order'>;

/** What `trainAnswerFusion` needs. */
export interface AnswerFusionTraining {
  readonly data: AnswerDataset;
  /** Decider + fusion (FocalEnv) instead of fusion alone (AnswerEnsembleEnv). */
  readonly focal: boolean;
  readonly env: FusionEnvOptions;
  /** Algorithm settings; `algo`, `seed` and `totalSteps` are required. */
  readonly ppo: Partial<PPOConfig> & Pick<PPOConfig, 'algo' | 'seed' | 'totalSteps'>;
  /** Env copies stepped as one batch (more copies: fewer, larger policy calls per step). */
  readonly numEnvs: number;
  /** Called after every iteration; return false to stop. */
  readonly onIteration?: TrainerCallbacks['onIteration'];
  /** Where the trainer writes its checkpoint (none when absent). */
  readonly checkpointPath?: string;
  /**
   * With `checkpointPath`: the metrics JSONL the trainer writes (lines labelled `label`); then a
   * checkpoint is written every iteration and `resume` continues from the one a killed run left.
   */
  readonly metricsPath?: string;
  readonly label?: string;
  readonly resume?: boolean;
  /** Called with each learning-curve point as it is measured (and its iteration). */
  readonly onCurvePoint?: (point: CurvePoint, iteration: number) => void;
  /** Learning curve: every `every` iterations, the greedy accuracy on about `items` items spread evenly over `split` (never the test split during a real run). */
  readonly curve?: { readonly split: AnswerSplit; readonly every: number; readonly items: number };
}

/** One point of a learning curve. */
export interface CurvePoint {
  readonly step: number;
  readonly accuracy: number;
  readonly meanSize: number;
}

/** A trained fusion: its algorithm (for the policy) and how to score it on a split. */
export interface TrainedAnswerFusion {
  readonly algo: OnPolicyAlgorithm;
  readonly metrics: readonly TrainerMetrics[];
  readonly curve: readonly CurvePoint[];
  /** Training wall time, learning-curve evaluations excluded. */
  readonly trainSeconds: number;
  /** Plays every item of `split` once, greedily, and reports accuracy, mean size and per-item outcomes. */
  evaluate(split: AnswerSplit): Promise<AnswerEvalResult>;
}

/** One answer env of the run's kind on `split`. */
export function makeAnswerEnv(
  data: AnswerDataset,
  focal: boolean,
  env: FusionEnvOptions,
  split: AnswerSplit,
  order: 'shuffle' | 'sequential',
): AnswerEnsembleEnv | FocalEnv {
  return focal ? new FocalEnv({ ...env, data, split, order }) : new AnswerEnsembleEnv({ ...env, data, split, order });
}

/** Trains the fusion agents (and with `focal` the decider) with PPO / IPPO / MAPPO on `data`'s train split only. */
export async function trainAnswerFusion(cfg: AnswerFusionTraining): Promise<TrainedAnswerFusion> {
  const envs = Array.from({ length: cfg.numEnvs }, () => makeAnswerEnv(cfg.data, cfg.focal, cfg.env, 'train', 'shuffle'));
  const checkpointed = cfg.checkpointPath !== undefined && cfg.metricsPath !== undefined;
  let algo = checkpointed ? null : makeAlgorithm(envs, cfg.ppo);
  let policy = algo?.envPolicy() ?? null;
  const curve: CurvePoint[] = [];
  let curveSeconds = 0;
  const score = async (split: AnswerSplit, items: number): Promise<AnswerEvalResult> => {
    const env = makeAnswerEnv(cfg.data, cfg.focal, cfg.env, split, 'sequential');
    const rng = new Rng(`${cfg.ppo.seed}/eval`);
    const size = itemsOf(cfg.data, split).length;
    // A subset is spread evenly over the split, so every task is in it.
    const stride = Math.max(1, Math.floor(size / Math.min(items, size)));
    const r = await evaluateAnswers(
      env,
      (obs) => policy!.act(obs, rng, { deterministic: true }).actions as Record<string, Float32Array>,
      Math.floor(size / stride),
      cfg.ppo.seed,
      stride,
    );
    await env.close();
    return r;
  };
  const onCurve = async (m: TrainerMetrics, a: OnPolicyAlgorithm): Promise<void> => {
    const c = cfg.curve;
    if (!c || (m.iteration % c.every !== 0 && m.iteration !== a.numIterations)) return;
    policy ??= a.envPolicy();
    const t = performance.now();
    const r = await score(c.split, c.items);
    const point = { step: m.globalStep, accuracy: r.accuracy, meanSize: r.meanSize };
    curve.push(point);
    cfg.onCurvePoint?.(point, m.iteration);
    curveSeconds += (performance.now() - t) / 1000;
  };
  const t0 = performance.now();
  const metrics: TrainerMetrics[] = [];
  const callbacks = [{ onIteration: async (m: TrainerMetrics, a: OnPolicyAlgorithm) => (metrics.push(m), await onCurve(m, a), cfg.onIteration?.(m, a)) }];
  if (algo) {
    await new Trainer(algo, { checkpointPath: cfg.checkpointPath, callbacks }).run();
  } else {
    algo = await runWithCheckpoints(envs, cfg.ppo, {
      checkpointPath: cfg.checkpointPath!,
      metricsPath: cfg.metricsPath!,
      label: cfg.label,
      resume: cfg.resume ?? false,
      callbacks,
    });
    policy ??= algo.envPolicy();
  }
  const trainSeconds = (performance.now() - t0) / 1000 - curveSeconds;
  for (const e of envs) await e.close();
  return {
    algo,
    metrics,
    curve,
    trainSeconds,
    evaluate: (split) => score(split, Infinity),
  };
}
