import type { VectorStepResult } from '../envs/VectorEnv.js';

/**
 * A hook into rollout collection for metrics that belong to one kind of env, not to the generic loop
 * (e.g. the ensemble's mixing weights): told of every vector step, asked for its metrics at the end.
 */
export interface RolloutCallback {
  /** Before the first step of a rollout: start counting afresh. */
  onRolloutStart?(): void;
  /** After every step of every env copy batch, with the vector env's result. */
  onStep?(result: VectorStepResult<string>): void;
  /** Fields merged into the iteration's metrics when the rollout ends. */
  metrics?(): Record<string, unknown>;
}
