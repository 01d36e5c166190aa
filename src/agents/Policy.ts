import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/Rng.js';

/** Options of `Policy.act`. */
export interface ActOptions {
  /** Take the distribution's mean/mode instead of sampling (evaluation). */
  readonly deterministic?: boolean;
  /** Whether to return critic values when the policy has a critic that sees the observations [true]; callers that only need actions pass false, which skips the critic. */
  readonly values?: boolean;
}

/** What `Policy.act` returns: plain records keyed by agent (tensors never leave a policy). */
export interface ActResult<Agent extends string = string> {
  readonly actions: Record<Agent, unknown>;
  /** Log-probability of each agent's action under the policy (0 for deterministic baselines). */
  readonly logProbs: Record<Agent, number>;
  /** Critic estimates, when the policy has a critic that sees the observations. */
  readonly values?: Record<Agent, number>;
}

/** JSON-safe snapshot of a policy (kind, configuration and weights). */
export interface PolicyState {
  readonly kind: string;
  readonly [key: string]: unknown;
}

/**
 * Anything that maps per-agent observations to per-agent actions: learned actor-critics and fixed
 * baselines alike, so evaluation code treats them the same way.
 */
export interface Policy<Agent extends string = string> {
  /** Agents this policy acts for. */
  readonly agents: readonly Agent[];
  /** Chooses one action per agent in `observations`; randomness comes only from `rng`. */
  act(observations: Record<Agent, Float32Array>, rng: Rng, opts?: ActOptions): ActResult<Agent>;
  /** JSON-safe snapshot; `load(save())` restores identical behaviour. */
  save(): PolicyState;
  /** Restores a snapshot produced by `save` of a policy of the same kind and shape (throws `ConfigError` otherwise). */
  load(state: PolicyState): void;
  /** Releases tensors; calling it twice is harmless. */
  dispose(): void;
}

/** A learnable policy with a critic: what PPO/IPPO/MAPPO update (`evaluate` is differentiated, tensors in, tensors out). */
export interface ActorCriticPolicy<Agent extends string = string> extends Policy<Agent> {
  /** Log-prob and entropy of raw actions and the critic's value, `[B]` each, for parameter group `group`. */
  evaluate(group: number, actorIn: tf.Tensor2D, criticIn: tf.Tensor2D, raw: tf.Tensor2D): { logProb: tf.Tensor1D; entropy: tf.Tensor1D; value: tf.Tensor1D };
}
