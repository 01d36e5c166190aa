import type { AnswerItem } from '../../envs/answerData.js';

/** Scores are floored at this before the log feature. */
const STACKING_LOG_FLOOR = 1e-4;
/** Features per model and option: recorded score, normalised score, log of the normalised score / |log floor|. */
export const STACKING_FEATURES_PER_MODEL = 3;

/** Writes the per-model features of option `k` of `it` (models 0..n) into `out` from `at`. */
export function writeStackingFeatures(it: AnswerItem, k: number, n: number, out: Float64Array, at = 0): void {
  const scale = -Math.log(STACKING_LOG_FLOOR);
  for (let i = 0; i < n; i++) {
    const p = it.probs[i][k];
    const o = at + STACKING_FEATURES_PER_MODEL * i;
    out[o] = it.scores ? it.scores[i][k] : p;
    out[o + 1] = p;
    out[o + 2] = Math.log(Math.max(p, STACKING_LOG_FLOOR)) / scale;
  }
}

/**
 * The per-model stacking features of every option of some items, laid out once in one array so that
 * many fits (cross-validation folds, tasks, penalties) share them: row r holds
 * `STACKING_FEATURES_PER_MODEL · numModels` numbers, and item j's options are rows `start[j]..start[j+1]`.
 * The option one-hot of the full feature vector is implied by the row's option index.
 */
export class StackingFeatures {
  private constructor(
    readonly numModels: number,
    readonly values: Float64Array,
    readonly start: Int32Array,
    readonly label: Int32Array,
    /** Largest option count among the items. */
    readonly maxOptions: number,
  ) {}

  /** The features of `items` (in their order) for `numModels` models. */
  static of(items: readonly AnswerItem[], numModels: number): StackingFeatures {
    const width = STACKING_FEATURES_PER_MODEL * numModels;
    const start = new Int32Array(items.length + 1);
    let maxOptions = 0;
    items.forEach((it, j) => {
      start[j + 1] = start[j] + it.numOptions;
      maxOptions = Math.max(maxOptions, it.numOptions);
    });
    const values = new Float64Array(start[items.length] * width);
    items.forEach((it, j) => {
      for (let k = 0; k < it.numOptions; k++) writeStackingFeatures(it, k, numModels, values, (start[j] + k) * width);
    });
    return new StackingFeatures(
      numModels,
      values,
      start,
      Int32Array.from(items, (it) => it.label),
      maxOptions,
    );
  }
}
