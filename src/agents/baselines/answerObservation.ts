/**
 * Reads AnswerEnsembleEnv's per-agent observation `[model's distribution over K options, option mask
 * (K), task one-hot (T)]`: the distribution and the task index (-1 if no task bit is set).
 */
export function readAnswerObservation(obs: Float32Array, numOptions: number): { probs: Float32Array; mask: Float32Array; task: number } {
  const probs = obs.subarray(0, numOptions);
  const mask = obs.subarray(numOptions, 2 * numOptions);
  let task = -1;
  for (let t = 2 * numOptions; t < obs.length; t++) if (obs[t] > 0.5) task = t - 2 * numOptions;
  return { probs, mask, task };
}
