import { ConfigError } from '../../core/errors.js';
import type { ParallelEnv, HasGlobalState } from '../../core/ParallelEnv.js';
import { EnsembleDecodingEnv } from '../../envs/EnsembleDecodingEnv.js';
import { AnswerEnsembleEnv } from '../../envs/AnswerEnsembleEnv.js';
import { FocalEnv } from '../../envs/FocalEnv.js';
import { loadAnswerData, type AnswerDataset } from '../../envs/answerData.js';
import { sumReverseTask } from '../../ensemble/tasks/sumReverseTask.js';
import type { ModelAdapter } from '../../models/ModelAdapter.js';
import type { RunConfig } from '../RunConfig.js';
import { loadModels } from './common.js';

/** A parallel env with a global state (every env of this package has one). */
export type RunEnv = ParallelEnv<Float32Array, Float32Array | Uint8Array, string> & HasGlobalState;

/** The envs of one CLI run: a training env, a held-out test env, how many test episodes cover it, and cleanup. */
export interface RunEnvs {
  readonly train: RunEnv;
  readonly test: RunEnv;
  readonly testEpisodes: number;
  /** Model ids or recorded-model names (the agents). */
  readonly agents: readonly string[];
  /** Closes both envs and the models they share. */
  close(): Promise<void>;
}

/** Files at least this big get progress lines while they load. */
const PROGRESS_MIN_BYTES = 32 * 2 ** 20;

/** Loads the recorded answers of `--data` with the run's split fraction and seed; big files print progress to stderr every 10 %. */
export async function loadRunData(cfg: RunConfig, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<AnswerDataset> {
  if (!cfg.data) throw new ConfigError('--data', `--env ${cfg.env} replays recorded answers but no data file was given`, 'Pass --data FILE (JSON or JSONL answer data, see docs).');
  let shown = -1;
  const t0 = performance.now();
  const onProgress = (read: number, total: number): void => {
    const tenth = Math.floor((10 * read) / total);
    if (total < PROGRESS_MIN_BYTES || tenth === shown) return;
    shown = tenth;
    log(`reading ${cfg.data}: ${10 * tenth} % (${(read / 2 ** 20).toFixed(0)} of ${(total / 2 ** 20).toFixed(0)} MiB, ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  };
  const data = await loadAnswerData(cfg.data, { testFraction: 1 - cfg.splitFrac, splitSeed: cfg.seed, onProgress });
  if (shown >= 0) log(`read ${data.items.length} items of ${data.models.length} models in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return data;
}

/**
 * Builds the train and test envs `cfg.env` names: `decoding` runs the models of `--models` (default:
 * the bundled ones) on the bundled task's train / test splits; `answer` (RL-Focal fusion) and
 * `focal` (decider + fusion) replay `--data`.
 */
export async function buildRunEnvs(cfg: RunConfig): Promise<RunEnvs> {
  if (cfg.env === 'decoding') {
    if (cfg.data) throw new ConfigError('--data', '--env decoding runs live models, not recorded answers', 'Use --models DIR... with --env decoding, or --env answer with --data.');
    const models: ModelAdapter[] = await loadModels(cfg.models);
    const make = (split: 'train' | 'test', numItems: number): EnsembleDecodingEnv =>
      new EnsembleDecodingEnv({ models, task: sumReverseTask, split, numItems, itemSeed: cfg.seed, spanLength: cfg.spanLength, maxSteps: cfg.maxSteps, closeModels: false });
    const train = make('train', cfg.trainItems);
    const test = make('test', cfg.testItems);
    return {
      train,
      test,
      testEpisodes: test.items.length,
      agents: train.possibleAgents,
      close: async () => {
        await train.close();
        await test.close();
        await Promise.all(models.map((m) => m.close()));
      },
    };
  }
  {
    if (cfg.models.length > 0) throw new ConfigError('--models', `--env ${cfg.env} replays recorded answers, it runs no model`, 'Drop --models, or use --env decoding.');
    const data = await loadRunData(cfg);
    const make = (split: 'train' | 'test'): RunEnv => {
      const order = split === 'test' ? 'sequential' : 'shuffle';
      return cfg.env === 'focal' ? new FocalEnv({ data, split, order }) : new AnswerEnsembleEnv({ data, split, order });
    };
    const train = make('train');
    const test = make('test');
    const testEpisodes = data.items.filter((it) => it.split === 'test').length;
    if (testEpisodes === 0) throw new ConfigError('--split-frac', `${data.source} has no test items`, 'Lower --split-frac (or give items a "split": "test").');
    return { train, test, testEpisodes, agents: train.possibleAgents, close: async () => { await train.close(); await test.close(); } };
  }
}
