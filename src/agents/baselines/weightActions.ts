import type { ActionParam } from '../../ensemble/actionToWeights.js';

// Logit standing in for a zero weight under softmax: exp(-30) ≈ 1e-13 of the mass, while the env
// rejects an infinite logit.
const ZERO_LOGIT = -30;

/** The per-agent actions (`Float32Array` of one number) that make the env use `weights` (≥ 0, any scale). */
export function weightsToActions(agents: readonly string[], weights: ArrayLike<number>, param: ActionParam = 'softmax'): Record<string, Float32Array> {
  return Object.fromEntries(
    agents.map((a, i) => {
      const w = weights[i];
      return [a, Float32Array.of(param === 'softmax' ? (w > 0 ? Math.log(w) : ZERO_LOGIT) : Math.max(w, 0))];
    }),
  );
}
