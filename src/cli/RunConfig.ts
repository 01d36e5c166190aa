import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { ALGO_NAMES, type AlgoName } from '../algos/PPOConfig.js';
import { resolveEnvConfig } from '../envs/envRegistry.js';

/** Which environment a run trains on: a name in the env registry (`envNames()`). */
export type EnvName = string;
export type { AlgoName };

/**
 * Everything a CLI run needs, after defaults, config file and flags are merged (`resolveRunConfig`).
 * Every field has a documented default, so a run is reproducible from this object alone.
 */
export interface RunConfig {
  /** Environment: a registered name, built in: `decoding` (RLAE, span-wise weights), `answer` (RL-Focal fusion), `focal` (decider + fusion), `coordination`. Default `decoding`. */
  readonly env: EnvName;
  /** Options of the env (its registry schema; run fields of the same name such as `spanLength` fill them first). Default none. */
  readonly envConfig?: Readonly<Record<string, unknown>>;
  /** Algorithm: `ppo` (single agent over the joint action), `ippo`, `mappo`. Default `ppo`. */
  readonly algo: AlgoName;
  /** Model directories (Hugging Face layout with onnx/model.onnx); empty = the bundled models. */
  readonly models: readonly string[];
  /** Recorded-answers file (JSONL) for `answer`/`focal`/`fit-answers`; unset for live decoding. */
  readonly data?: string;
  /** Master seed; every stream of randomness is forked from it. Default 0. */
  readonly seed: number;
  /** Training budget in env steps per algorithm. Default 2048. */
  readonly steps: number;
  /** Tokens per decoding step (RLAE span length k). Default 4. */
  readonly spanLength: number;
  /** Decoding steps before an episode is truncated. Default 8. */
  readonly maxSteps: number;
  /** Training prompts drawn from the task's train split. Default 256. */
  readonly trainItems: number;
  /** Held-out prompts from the test split used for evaluation. Default 100. */
  readonly testItems: number;
  /** Fraction of recorded items used for training in `fit-answers` (the rest is the test split). Default 0.8. */
  readonly splitFrac: number;
  /** `fit-answers`: train the RL-Focal decider too (FocalEnv) instead of fusion weights only. Default false. */
  readonly focal: boolean;
  /** Output root; each run writes `<out>/<timestamp>/`. Default `runs`. */
  readonly out: string;
  /** Smaller budgets for smoke tests and a first look. Default false. */
  readonly quick: boolean;
  /** Print stack traces of errors. Default false. */
  readonly verbose: boolean;
  /** PPO / MAPPO settings (any `PPOConfig` field, checked by `resolvePPOConfig`); algo, seed and totalSteps come from the fields above. */
  readonly ppo?: Readonly<Record<string, unknown>>;
}

/** Defaults of every `RunConfig` field. */
export const DEFAULT_RUN_CONFIG: RunConfig = {
  env: 'decoding',
  algo: 'ppo',
  models: [],
  seed: 0,
  steps: 2048,
  spanLength: 4,
  maxSteps: 8,
  trainItems: 256,
  testItems: 100,
  splitFrac: 0.8,
  focal: false,
  out: 'runs',
  quick: false,
  verbose: false,
};

const posInt = z.coerce.number().int().positive();
const schema = z.strictObject({
  env: z.string().min(1),
  envConfig: z.record(z.string(), z.unknown()).optional(),
  algo: z.enum(ALGO_NAMES),
  models: z.array(z.string().min(1)),
  data: z.string().min(1).optional(),
  seed: z.coerce.number().int().nonnegative(),
  steps: posInt,
  spanLength: posInt,
  maxSteps: posInt,
  trainItems: posInt,
  testItems: posInt,
  splitFrac: z.coerce.number().gt(0).lt(1),
  focal: z.boolean(),
  out: z.string().min(1),
  quick: z.boolean(),
  verbose: z.boolean(),
  ppo: z.record(z.string(), z.unknown()).optional(),
});

/** Reads a JSON config file into a partial config; a missing or malformed file is a ConfigError naming it. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(
      '--config',
      `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      'Pass the path of an existing JSON file.',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError('--config', `${path} is not valid JSON (${(e as Error).message})`, 'Fix the JSON syntax.');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError('--config', `${path} must hold a JSON object`, 'Write {"algo": "mappo", "steps": 4096, ...}.');
  }
  return json as Record<string, unknown>;
}

/**
 * The one resolver: defaults, then the config file's fields, then flags (flags win; undefined flags
 * are ignored). Unknown keys and bad values throw a ConfigError naming the field and the fix.
 */
export function resolveRunConfig(file: Record<string, unknown> = {}, flags: Record<string, unknown> = {}): RunConfig {
  const merged: Record<string, unknown> = { ...DEFAULT_RUN_CONFIG };
  // `package` (name, version, commit) is what a run's config.json records about the code that wrote it, not a setting.
  const { package: _written, ...settings } = file;
  for (const src of [settings, flags]) for (const [k, v] of Object.entries(src)) if (v !== undefined) merged[k] = v;
  const res = schema.safeParse(merged);
  if (!res.success) {
    const issue = res.error.issues[0];
    const field = issue.path.length > 0 ? issue.path.join('.') : ((issue as { keys?: string[] }).keys ?? []).join(', ');
    const known = Object.keys(DEFAULT_RUN_CONFIG).concat('data', 'envConfig', 'ppo').sort().join(', ');
    const fix =
      issue.code === 'unrecognized_keys'
        ? `Known fields: ${known}.`
        : `Default: ${JSON.stringify((DEFAULT_RUN_CONFIG as unknown as Record<string, unknown>)[field]) ?? 'none'}.`;
    throw new ConfigError(field || 'config', issue.message, fix);
  }
  // An unknown env name or a bad env option is reported now, naming the field, not when the run starts.
  resolveEnvConfig(res.data.env, res.data.envConfig, res.data);
  return res.data as RunConfig;
}
