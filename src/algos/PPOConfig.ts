import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import type { SimplexHead } from '../agents/ActionHead.js';

/** The on-policy algorithms, in one list (the CLI's choices come from here too). */
export const ALGO_NAMES = ['ppo', 'ippo', 'mappo'] as const;

/** Which on-policy algorithm runs; they differ only in how agents map to actors and what the critic reads. */
export type AlgoName = (typeof ALGO_NAMES)[number];

/**
 * Every knob of PPO / IPPO / MAPPO, with its default. `resolvePPOConfig` fills the defaults and checks
 * each field; algorithm code reads only this object (no magic numbers elsewhere).
 */
export interface PPOConfig {
  /** 'ppo': one agent over the joint action (concatenated observations); 'ippo': independent actors and critics on local observations; 'mappo': decentralized actors, centralized critic on `env.state()`. Default 'mappo'. */
  readonly algo: AlgoName;
  /** Seed of weights, action sampling, minibatch order and episode seeds. Default 0. */
  readonly seed: number;
  /** Env steps per env copy per iteration (rollout length). Default 128. */
  readonly numSteps: number;
  /** Total env steps (summed over env copies) the trainer runs. Default 100000. */
  readonly totalSteps: number;
  /** Adam learning rate. Default 3e-4. */
  readonly learningRate: number;
  /** [ppo] learning-rate annealing: decay linearly to 0 over `totalSteps`. Default true. */
  readonly annealLr: boolean;
  /** Adam epsilon. Default 1e-5 (CleanRL). */
  readonly adamEps: number;
  /** Discount factor. Default 0.99. */
  readonly gamma: number;
  /** GAE λ. Default 0.95. */
  readonly gaeLambda: number;
  /** Minibatches per epoch. Default 4. */
  readonly numMinibatches: number;
  /** Passes over each batch. Default 4. */
  readonly updateEpochs: number;
  /** [ppo] advantage normalisation per minibatch. Default true. */
  readonly normAdvantages: boolean;
  /** [ppo] clipped surrogate ratio bound ε. Default 0.2. */
  readonly clipCoef: number;
  /** [ppo] value clipping around the rollout's value by `clipCoef`. Default true. */
  readonly clipValueLoss: boolean;
  /** [ppo] entropy bonus coefficient. Default 0.01. */
  readonly entCoef: number;
  /** Value-loss coefficient. Default 0.5. */
  readonly vfCoef: number;
  /** [ppo] gradient clipping to this global norm. Default 0.5. */
  readonly maxGradNorm: number;
  /** [ppo] early stop of the epochs once approx KL exceeds this; null disables. Default null. */
  readonly targetKl: number | null;
  /** [ppo] ValueNorm: the critic predicts returns normalised by running mean/var. Default true. */
  readonly valueNorm: boolean;
  /** Hidden layer widths of actor and critic. Default [64, 64]. */
  readonly hidden: readonly number[];
  /** One actor (and critic) for all agents with an agent one-hot appended (needs identical spaces). Default false. */
  readonly shareParameters: boolean;
  /** Head for Simplex actions: exact Dirichlet or Gaussian logits through softmax. Default 'dirichlet'. */
  readonly simplexHead: SimplexHead;
  /** Initial log-std of Gaussian heads. Default 0. */
  readonly initLogStd: number;
}

/** The documented defaults of `PPOConfig`. */
export const PPO_DEFAULTS: PPOConfig = Object.freeze({
  algo: 'mappo',
  seed: 0,
  numSteps: 128,
  totalSteps: 100_000,
  learningRate: 3e-4,
  annealLr: true,
  adamEps: 1e-5,
  gamma: 0.99,
  gaeLambda: 0.95,
  numMinibatches: 4,
  updateEpochs: 4,
  normAdvantages: true,
  clipCoef: 0.2,
  clipValueLoss: true,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  targetKl: null,
  valueNorm: true,
  hidden: Object.freeze([64, 64]),
  shareParameters: false,
  simplexHead: 'dirichlet',
  initLogStd: 0,
}) as PPOConfig;

const num = (lo: number, hi: number, loOpen = false) => (loOpen ? z.number().gt(lo) : z.number().gte(lo)).lte(hi);
const int = (lo: number, hi: number) => z.number().int().gte(lo).lte(hi);

/** The zod schema every `PPOConfig` passes (ranges and types of each field; unknown fields rejected). */
export const ppoConfigSchema = z.strictObject({
  algo: z.enum(ALGO_NAMES),
  seed: int(0, Number.MAX_SAFE_INTEGER),
  numSteps: int(1, 1e7),
  totalSteps: int(1, Number.MAX_SAFE_INTEGER),
  learningRate: num(0, 1, true),
  annealLr: z.boolean(),
  adamEps: num(0, 1, true),
  gamma: num(0, 1),
  gaeLambda: num(0, 1),
  numMinibatches: int(1, 1e6),
  updateEpochs: int(1, 1e4),
  normAdvantages: z.boolean(),
  clipCoef: num(0, 10, true),
  clipValueLoss: z.boolean(),
  entCoef: num(0, 10),
  vfCoef: num(0, 100),
  maxGradNorm: num(0, 1e6, true),
  targetKl: num(0, 100, true).nullable(),
  valueNorm: z.boolean(),
  hidden: z.array(z.number().int().positive()).min(1),
  shareParameters: z.boolean(),
  simplexHead: z.enum(['dirichlet', 'gaussian']),
  initLogStd: num(-20, 5),
});

/**
 * Fills defaults into `partial` and validates every field with `ppoConfigSchema`; throws `ConfigError`
 * naming the first bad (or unknown) field as `ppo.<field>` and saying what to set.
 */
export function resolvePPOConfig(partial: Partial<PPOConfig> = {}): PPOConfig {
  const known = Object.keys(ppoConfigSchema.shape);
  for (const k of Object.keys(partial)) {
    if (!known.includes(k)) throw new ConfigError(`ppo.${k}`, 'is not a PPO config field', `Remove it; known fields: ${known.join(', ')}.`);
  }
  const out = { ...PPO_DEFAULTS } as Record<string, unknown>;
  for (const [k, v] of Object.entries(partial)) if (v !== undefined) out[k] = v;
  const parsed = ppoConfigSchema.safeParse(out);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const k = String(issue.path[0]);
    throw new ConfigError(
      `ppo.${k}`,
      `${issue.message} (got ${JSON.stringify(out[k])})`,
      `Set it to a valid value or leave it out for the default ${JSON.stringify((PPO_DEFAULTS as unknown as Record<string, unknown>)[k])}.`,
    );
  }
  return Object.freeze({ ...parsed.data, hidden: [...parsed.data.hidden] }) as PPOConfig;
}
