import { ConfigError } from '../../core/errors.js';
import type { ActResult, Policy, PolicyState } from '../Policy.js';
import type { ActionParam } from '../../ensemble/actionToWeights.js';
import { weightsToActions } from './weightActions.js';

/** Options of `FixedWeightsPolicy`. */
export interface FixedWeightsOptions {
  readonly agents: readonly string[];
  /** One non-negative weight per agent (normalised by the env); default uniform. */
  readonly weights?: readonly number[];
  readonly param?: ActionParam;
}

/**
 * Baseline that gives every agent the same weight on every step, whatever it observes: uniform
 * weights by default, or weights found by `gridSearchWeights`, or one-hot for a single model.
 */
export class FixedWeightsPolicy implements Policy {
  readonly agents: readonly string[];
  readonly weights: readonly number[];
  readonly param: ActionParam;

  /** Checks one finite non-negative weight per agent with a positive sum (`ConfigError` names the field). */
  constructor(opts: FixedWeightsOptions) {
    this.agents = [...opts.agents];
    this.weights = opts.weights ? [...opts.weights] : this.agents.map(() => 1 / this.agents.length);
    this.param = opts.param ?? 'softmax';
    if (this.weights.length !== this.agents.length || this.weights.some((w) => !Number.isFinite(w) || w < 0) || !this.weights.some((w) => w > 0)) {
      throw new ConfigError(
        'weights',
        `needs ${this.agents.length} finite weights >= 0 with a positive sum, got [${this.weights}]`,
        'Pass one non-negative weight per agent.',
      );
    }
  }

  /** The fixed actions (the observations are ignored; log-probs are 0: the policy is deterministic). */
  act(): ActResult {
    return { actions: weightsToActions(this.agents, this.weights, this.param), logProbs: Object.fromEntries(this.agents.map((a) => [a, 0])) };
  }

  /** Agents, weights and parameterisation. */
  save(): PolicyState {
    return { kind: 'fixed-weights', agents: this.agents, weights: this.weights, param: this.param };
  }

  /** Restores a `save()` of the same agents. */
  load(state: PolicyState): void {
    if (state.kind !== 'fixed-weights' || JSON.stringify(state.agents) !== JSON.stringify(this.agents)) {
      throw new ConfigError(
        'policy.kind',
        `expected a fixed-weights snapshot for agents ${this.agents.join(', ')}`,
        'Load a snapshot saved by FixedWeightsPolicy with the same agents.',
      );
    }
    Object.assign(this, { weights: [...(state.weights as number[])], param: state.param as ActionParam });
  }

  /** Nothing to free. */
  dispose(): void {}
}

/** Options of `gridSearchWeights`. */
export interface GridSearchOptions {
  readonly agents: readonly string[];
  /** Score of a candidate policy on the training split (higher is better), e.g. `evaluatePolicy(...).meanReturn`. */
  readonly evaluate: (policy: FixedWeightsPolicy) => Promise<number> | number;
  /** Grid resolution: weights are multiples of 1/steps summing to 1 (default 4). */
  readonly steps?: number;
  readonly param?: ActionParam;
}

/** All weight vectors of `n` entries that are multiples of 1/steps and sum to 1. */
export function simplexGrid(n: number, steps: number): number[][] {
  const out: number[][] = [];
  const rec = (prefix: number[], left: number): void => {
    if (prefix.length === n - 1) {
      out.push([...prefix, left].map((k) => k / steps));
      return;
    }
    for (let k = 0; k <= left; k++) rec([...prefix, k], left - k);
  };
  rec([], steps);
  return out;
}

/**
 * The best fixed weights on a grid over the simplex, scored by a user-supplied evaluation (run it on
 * the training split; ties keep the first candidate, so the search is deterministic).
 */
export async function gridSearchWeights(opts: GridSearchOptions): Promise<{ policy: FixedWeightsPolicy; score: number; evaluated: number }> {
  const steps = opts.steps ?? 4;
  if (!Number.isInteger(steps) || steps < 1) throw new ConfigError('steps', `must be a positive integer, got ${steps}`, 'Use e.g. 4 (weights in quarters).');
  let best: { policy: FixedWeightsPolicy; score: number } | null = null;
  const grid = simplexGrid(opts.agents.length, steps);
  for (const weights of grid) {
    const policy = new FixedWeightsPolicy({ agents: opts.agents, weights, param: opts.param });
    const score = await opts.evaluate(policy);
    if (!best || score > best.score) best = { policy, score };
  }
  return { ...best!, evaluated: grid.length };
}

/** The best single model: one-hot weights scored by the same user-supplied evaluation. */
export async function bestSingleModel(opts: Omit<GridSearchOptions, 'steps'>): Promise<{ policy: FixedWeightsPolicy; score: number; agent: string }> {
  let best: { policy: FixedWeightsPolicy; score: number; agent: string } | null = null;
  for (const agent of opts.agents) {
    const policy = new FixedWeightsPolicy({ agents: opts.agents, weights: opts.agents.map((a) => (a === agent ? 1 : 0)), param: opts.param });
    const score = await opts.evaluate(policy);
    if (!best || score > best.score) best = { policy, score, agent };
  }
  return best!;
}
