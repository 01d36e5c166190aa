import { ConfigError } from '../../core/errors.js';
import type { AnswerDataset } from '../../envs/answerData.js';
import type { ActResult, Policy, PolicyState } from '../Policy.js';
import { readAnswerObservation } from './answerObservation.js';
import type { ActionParam } from '../../ensemble/actionToWeights.js';
import { weightsToActions } from './weightActions.js';

/** Options of `StackedLogisticPolicy.fit` (defaults in brackets). */
export interface StackedLogisticOptions {
  /** Gradient-descent epochs over the train split [300]. */
  readonly epochs?: number;
  readonly learningRate?: number;
  /** L2 penalty on the coefficients [1e-3]. */
  readonly l2?: number;
  readonly param?: ActionParam;
}

/**
 * Answer-level stacking: a logistic regression, fitted on the train split, scores each option of an
 * item by `Σ_i β[task][i] · p_i(option) + b` (is this option the label?); the policy plays the weights
 * `max(β[task], 0)`, so the env's fused argmax is the regression's top option whenever the fitted
 * coefficients are non-negative (negative ones are clipped: the env mixes with weights ≥ 0).
 */
export class StackedLogisticPolicy implements Policy {
  readonly agents: readonly string[];

  private constructor(
    agents: readonly string[],
    readonly numOptions: number,
    readonly numTasks: number,
    readonly coef: number[][],
    readonly param: ActionParam,
  ) {
    this.agents = [...agents];
  }

  /** Fits per-task coefficients on `data`'s train items (deterministic full-batch gradient descent). */
  static fit(data: AnswerDataset, opts: StackedLogisticOptions = {}): StackedLogisticPolicy {
    const { epochs = 300, learningRate = 2, l2 = 1e-3, param = 'softmax' } = opts;
    const train = data.items.filter((it) => it.split === 'train');
    if (train.length === 0) throw new ConfigError('data', `${data.source} has no train items`, 'Fit on data with a train split.');
    const N = data.models.length;
    const T = data.tasks.length;
    const coef = Array.from({ length: T }, () => new Array<number>(N).fill(0));
    const bias = new Array<number>(T).fill(0);
    const rows = train.flatMap((it) =>
      Array.from({ length: it.numOptions }, (_, k) => ({ t: data.tasks.indexOf(it.task), x: it.probs.map((p) => p[k]), y: k === it.label ? 1 : 0 })),
    );
    for (let e = 0; e < epochs; e++) {
      const g = Array.from({ length: T }, () => new Array<number>(N).fill(0));
      const gb = new Array<number>(T).fill(0);
      const counts = new Array<number>(T).fill(0);
      for (const r of rows) {
        let z = bias[r.t];
        for (let i = 0; i < N; i++) z += coef[r.t][i] * r.x[i];
        const err = 1 / (1 + Math.exp(-z)) - r.y;
        for (let i = 0; i < N; i++) g[r.t][i] += err * r.x[i];
        gb[r.t] += err;
        counts[r.t] += 1;
      }
      for (let t = 0; t < T; t++) {
        if (!counts[t]) continue;
        for (let i = 0; i < N; i++) coef[t][i] -= learningRate * (g[t][i] / counts[t] + l2 * coef[t][i]);
        bias[t] -= learningRate * (gb[t] / counts[t]);
      }
    }
    return new StackedLogisticPolicy(data.models, data.maxOptions, T, coef, param);
  }

  /** The clipped coefficients of the item's task as weights (uniform when all are ≤ 0 or the task is unknown). */
  act(observations: Record<string, Float32Array>): ActResult {
    const { task } = readAnswerObservation(observations[this.agents[0]], this.numOptions);
    const c = task >= 0 && task < this.numTasks ? this.coef[task].map((v) => Math.max(v, 0)) : [];
    const weights = c.some((v) => v > 0) ? c : this.agents.map(() => 1);
    return { actions: weightsToActions(this.agents, weights, this.param), logProbs: Object.fromEntries(this.agents.map((a) => [a, 0])) };
  }

  /** Coefficients and shape. */
  save(): PolicyState {
    return { kind: 'stacked-logistic', agents: this.agents, numOptions: this.numOptions, numTasks: this.numTasks, coef: this.coef, param: this.param };
  }

  /** Restores coefficients saved for the same agents, options and tasks. */
  load(state: PolicyState): void {
    if (state.kind !== 'stacked-logistic' || JSON.stringify(state.agents) !== JSON.stringify(this.agents) || state.numTasks !== this.numTasks) {
      throw new ConfigError(
        'policy.kind',
        'is not a stacked-logistic snapshot for these agents and tasks',
        'Load a snapshot saved by StackedLogisticPolicy for the same data layout.',
      );
    }
    (state.coef as number[][]).forEach((row, t) => row.forEach((v, i) => (this.coef[t][i] = v)));
  }

  /** Nothing to free. */
  dispose(): void {}
}
