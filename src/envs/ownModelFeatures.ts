/** Scores are floored at this before the log in the `'rich'` observation features. */
export const FEATURE_SCORE_FLOOR = 1e-4;

/** What an answer env adds to a fusion agent's observation about its own model: `'scores'` (the distribution only) or `'rich'` (also recorded scores, log-scores, top option, margin, entropy). */
export type AnswerFeatures = 'scores' | 'rich';

/** Width of the extra `'rich'` features for K options: recorded scores (K), log-scores (K), top-option one-hot (K), margin (1), normalised entropy (1). */
export function richFeatureDim(maxOptions: number): number {
  return 3 * maxOptions + 2;
}

/**
 * Writes one model's `'rich'` features into `o` at `at`, each in [0, 1]: its recorded scores
 * `raw` clipped to [0, 1] (before normalisation: how sure the model was in absolute terms), log-scores mapped by
 * 1 + log(max(p, floor)) / |log floor| (0 for padded options), the top option one-hot, the margin
 * between its top two scores and its entropy over the item's options divided by log(numOptions).
 */
export function writeRichFeatures(o: Float32Array, at: number, probs: ArrayLike<number>, raw: ArrayLike<number>, numOptions: number, maxOptions: number): void {
  for (let k = 0; k < numOptions; k++) o[at + k] = Math.min(1, Math.max(0, raw[k]));
  at += maxOptions;
  const scale = -Math.log(FEATURE_SCORE_FLOOR);
  let top = 0,
    second = -1;
  let h = 0;
  for (let k = 0; k < numOptions; k++) {
    const p = probs[k];
    o[at + k] = 1 + Math.log(Math.max(p, FEATURE_SCORE_FLOOR)) / scale;
    if (p > 0) h -= p * Math.log(p);
    if (k === 0) continue;
    if (p > probs[top]) {
      second = top;
      top = k;
    } else if (second < 0 || p > probs[second]) second = k;
  }
  o[at + maxOptions + top] = 1;
  o[at + 2 * maxOptions] = Math.min(1, Math.max(0, probs[top] - (second >= 0 ? probs[second] : 0)));
  o[at + 2 * maxOptions + 1] = numOptions > 1 ? Math.min(1, Math.max(0, h / Math.log(numOptions))) : 0;
}
