import { ConfigError } from '../../core/errors.js';
import type { ParallelEnv, HasGlobalState } from '../../core/ParallelEnv.js';
import { loadAnswerData, type AnswerDataset } from '../../envs/answerData.js';
import { envNames, envRegistration, makeEnv, type EnvBuildContext } from '../../envs/envRegistry.js';
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
  if (!cfg.data)
    throw new ConfigError(
      '--data',
      `--env ${cfg.env} replays recorded answers but no data file was given`,
      'Pass --data FILE (JSON or JSONL answer data, see docs).',
    );
  let shown = -1;
  const t0 = performance.now();
  const onProgress = (read: number, total: number): void => {
    const tenth = Math.floor((10 * read) / total);
    if (total < PROGRESS_MIN_BYTES || tenth === shown) return;
    shown = tenth;
    log(
      `reading ${cfg.data}: ${10 * tenth} % (${(read / 2 ** 20).toFixed(0)} of ${(total / 2 ** 20).toFixed(0)} MiB, ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
  };
  const data = await loadAnswerData(cfg.data, { testFraction: 1 - cfg.splitFrac, splitSeed: cfg.seed, onProgress });
  if (shown >= 0) log(`read ${data.items.length} items of ${data.models.length} models in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return data;
}

/** Names of the registered envs that use `kind` (for fix-it messages). */
const using = (kind: 'models' | 'data'): string =>
  envNames()
    .filter((n) => envRegistration(n).uses === kind)
    .map((n) => `--env ${n}`)
    .join(' / ');

/**
 * Builds the train and test envs of the registered env `cfg.env` (see `envRegistry`): run settings of
 * the same name and `cfg.envConfig` fill its options; `--models` (default: the bundled models) and
 * `--data` are loaded once, for the envs that use them, and shared by both splits.
 */
export async function buildRunEnvs(cfg: RunConfig): Promise<RunEnvs> {
  const reg = envRegistration(cfg.env);
  if (reg.uses !== 'data' && cfg.data)
    throw new ConfigError('--data', `--env ${cfg.env} does not replay recorded answers`, `Drop --data, or use ${using('data')} with --data.`);
  if (reg.uses !== 'models' && cfg.models.length > 0)
    throw new ConfigError('--models', `--env ${cfg.env} runs no model`, `Drop --models, or use ${using('models')}.`);
  let models: Promise<ModelAdapter[]> | undefined;
  let data: Promise<AnswerDataset> | undefined;
  const context = (split: 'train' | 'test'): EnvBuildContext => ({
    split,
    seed: cfg.seed,
    models: () => (models ??= loadModels(cfg.models)),
    data: () => (data ??= loadRunData(cfg)),
  });
  const settings = cfg as unknown as Record<string, unknown>;
  const closeModels = async (): Promise<void> => {
    if (models) await Promise.all((await models).map((m) => m.close()));
  };
  const train = await makeEnv(cfg.env, cfg.envConfig ?? {}, context('train'), settings).catch(async (e: unknown) => {
    await closeModels();
    throw e;
  });
  const test = await makeEnv(cfg.env, cfg.envConfig ?? {}, context('test'), settings).catch(async (e: unknown) => {
    await train.env.close();
    await closeModels();
    throw e;
  });
  // Trainers read Float32Array observations; MAPPO checks for HasGlobalState itself and names the fix.
  return {
    train: train.env as RunEnv,
    test: test.env as RunEnv,
    testEpisodes: test.episodes,
    agents: train.env.possibleAgents,
    close: async () => {
      await train.env.close();
      await test.env.close();
      await closeModels();
    },
  };
}
