import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import type { ParallelEnv } from '../core/ParallelEnv.js';
import { sumReverseTask } from '../ensemble/tasks/sumReverseTask.js';
import type { ModelAdapter } from '../models/ModelAdapter.js';
import { AnswerEnsembleEnv } from './AnswerEnsembleEnv.js';
import type { AnswerDataset } from './answerData.js';
import { CoordinationGameEnv } from './CoordinationGameEnv.js';
import { EnsembleDecodingEnv } from './EnsembleDecodingEnv.js';
import { FocalEnv } from './FocalEnv.js';

/** Any parallel env; the built-in ones also have a global state (`HasGlobalState`, which MAPPO needs). */
export type RegisteredEnv = ParallelEnv<unknown, unknown, string>;

/** What a run hands a factory: the split it builds for, the seed, and loaders for the run's models or recorded answers. */
export interface EnvBuildContext {
  /** `train` for the env the algorithm learns on, `test` for the held-out evaluation env. */
  readonly split: 'train' | 'test';
  /** The run's master seed. */
  readonly seed: number;
  /** The run's model adapters (loaded once, shared by both splits; the run closes them). */
  models(): Promise<readonly ModelAdapter[]>;
  /** The run's recorded answers (loaded once). */
  data(): Promise<AnswerDataset>;
}

/** A built env and how many episodes cover its split (what an evaluation on it plays). */
export interface BuiltEnv {
  readonly env: RegisteredEnv;
  readonly episodes: number;
}

/** One registry entry: a zod schema of the env's options (with their defaults) and a factory. */
export interface EnvRegistration<S extends z.ZodObject = z.ZodObject> {
  /** One line for `--help` and docs. */
  readonly summary: string;
  /** What the run must provide: live models (`--models`), recorded answers (`--data`) or nothing. */
  readonly uses: 'models' | 'data' | 'nothing';
  /** The options; run settings of the same name (`seed`, `spanLength`, ...) fill them, `envConfig` overrides. */
  readonly config: S;
  /** Builds the env of `ctx.split` from parsed options. */
  create(config: z.output<S>, ctx: EnvBuildContext): Promise<BuiltEnv> | BuiltEnv;
}

/** Types a registration (the options type flows from the schema into `create`). */
export function defineEnv<S extends z.ZodObject>(registration: EnvRegistration<S>): EnvRegistration<S> {
  return registration;
}

const posInt = z.coerce.number().int().positive();

/** RLAE span-wise decoding over the run's models on the bundled sum-reverse task. */
export const decodingRegistration = defineEnv({
  summary: 'RLAE: span-wise weights over live models decoding the bundled task (EnsembleDecodingEnv)',
  uses: 'models',
  config: z.object({
    seed: z.coerce.number().int().nonnegative().default(0),
    spanLength: posInt.default(4),
    maxSteps: posInt.default(8),
    trainItems: posInt.default(256),
    testItems: posInt.default(100),
  }),
  async create(c, ctx) {
    const models = [...(await ctx.models())];
    const numItems = ctx.split === 'train' ? c.trainItems : c.testItems;
    const env = new EnsembleDecodingEnv({
      models,
      task: sumReverseTask,
      split: ctx.split,
      numItems,
      itemSeed: c.seed,
      spanLength: c.spanLength,
      maxSteps: c.maxSteps,
      closeModels: false,
    });
    return { env, episodes: env.items.length };
  },
});

/** Episodes of a replayed split; a test split without items is a ConfigError. */
async function replayed(ctx: EnvBuildContext, make: (data: AnswerDataset, order: 'sequential' | 'shuffle') => RegisteredEnv): Promise<BuiltEnv> {
  const data = await ctx.data();
  const episodes = data.items.filter((it) => it.split === ctx.split).length;
  if (ctx.split === 'test' && episodes === 0)
    throw new ConfigError('splitFrac', `${data.source} has no test items`, 'Lower --split-frac (or give items a "split": "test").');
  return { env: make(data, ctx.split === 'test' ? 'sequential' : 'shuffle'), episodes };
}

/** RL-Focal fusion over recorded answers. */
export const answerRegistration = defineEnv({
  summary: 'RL-Focal fusion: weights over recorded answers (AnswerEnsembleEnv)',
  uses: 'data',
  config: z.object({}),
  create: (_c, ctx) => replayed(ctx, (data, order) => new AnswerEnsembleEnv({ data, split: ctx.split, order })),
});

/** RL-Focal decider + fusion over recorded answers. */
export const focalRegistration = defineEnv({
  summary: 'RL-Focal decider + fusion over recorded answers (FocalEnv)',
  uses: 'data',
  config: z.object({}),
  create: (_c, ctx) => replayed(ctx, (data, order) => new FocalEnv({ data, split: ctx.split, order })),
});

/** The cooperative reference game (no model, no data). */
export const coordinationRegistration = defineEnv({
  summary: 'cooperative reference game: agents agree on a cued option (CoordinationGameEnv)',
  uses: 'nothing',
  config: z.object({
    nAgents: posInt.default(3),
    nOptions: z.coerce.number().int().min(2).default(3),
    horizon: posInt.default(8),
    cueNoise: z.coerce.number().min(0).max(1).default(0),
    denseWeight: z.coerce.number().min(0).max(1).default(0.5),
    testEpisodes: posInt.default(100),
  }),
  create: ({ testEpisodes, ...config }) => ({ env: new CoordinationGameEnv(config), episodes: testEpisodes }),
});

const registry = new Map<string, EnvRegistration>([
  ['decoding', decodingRegistration],
  ['answer', answerRegistration],
  ['focal', focalRegistration],
  ['coordination', coordinationRegistration],
]);

/** Adds an env under `name` (what `--env name` selects); a taken name is a ConfigError. */
export function registerEnv<S extends z.ZodObject>(name: string, registration: EnvRegistration<S>): void {
  if (!/^[a-z][a-z0-9-]*$/.test(name))
    throw new ConfigError('env', `name ${JSON.stringify(name)} is not lower-case letters, digits and dashes`, 'Pick a name like "my-env".');
  if (registry.has(name)) throw new ConfigError('env', `"${name}" is already registered`, `Pick another name; taken: ${envNames().join(', ')}.`);
  registry.set(name, registration as unknown as EnvRegistration);
}

/** The registered env names, built-ins first. */
export function envNames(): string[] {
  return [...registry.keys()];
}

/** The registration of `name`; an unknown name is a ConfigError listing the known ones. */
export function envRegistration(name: string): EnvRegistration {
  const r = registry.get(name);
  if (r === undefined) throw new ConfigError('env', `unknown env ${JSON.stringify(name)}`, `Use one of ${envNames().join(', ')} (or registerEnv your own).`);
  return r;
}

/**
 * Parses `options` with the env's schema (unknown keys and bad values are ConfigErrors naming the
 * field), after filling the fields it declares from `settings` (run-level values such as `seed`).
 */
export function resolveEnvConfig(
  name: string,
  options: Readonly<Record<string, unknown>> = {},
  settings: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  const schema = envRegistration(name).config;
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(schema.shape)) if (settings[key] !== undefined) input[key] = settings[key];
  Object.assign(input, options);
  const res = schema.strict().safeParse(input);
  if (!res.success) {
    const issue = res.error.issues[0];
    const field = issue.path.length > 0 ? issue.path.join('.') : ((issue as { keys?: string[] }).keys ?? []).join(', ');
    throw new ConfigError(`envConfig.${field}`, issue.message, `Options of --env ${name}: ${Object.keys(schema.shape).join(', ') || 'none'}.`);
  }
  return res.data as Record<string, unknown>;
}

/** Builds env `name` for `ctx.split` from raw options (see `resolveEnvConfig`). */
export async function makeEnv(
  name: string,
  options: Readonly<Record<string, unknown>>,
  ctx: EnvBuildContext,
  settings: Readonly<Record<string, unknown>> = {},
): Promise<BuiltEnv> {
  const config = resolveEnvConfig(name, options, settings);
  return envRegistration(name).create(config, ctx);
}
