/** Inputs of `computeGae` for one trajectory stream of `T` steps (one env copy, one agent). */
export interface GaeInput {
  readonly rewards: ArrayLike<number>;
  /** V(s_t), denormalised. */
  readonly values: ArrayLike<number>;
  /** Whether step t ended the episode by reaching a terminal state (no future value). */
  readonly terminated: ArrayLike<boolean | number>;
  /** Whether step t ended the episode by a time limit (future value estimated from the final observation). */
  readonly truncated: ArrayLike<boolean | number>;
  /** V(final observation of step t) where step t was truncated (ignored elsewhere). */
  readonly finalValues: ArrayLike<number>;
  /** V(s_T) after the last step of the rollout (ignored when step T-1 ended an episode). */
  readonly nextValue: number;
  readonly gamma: number;
  readonly lambda: number;
}

/**
 * [ppo] GAE with terminations and truncations kept apart: a terminal step bootstraps with 0, a truncated
 * step bootstraps from V(final observation), and in both cases the λ-trace stops at the episode boundary.
 * Returns advantages and returns (advantage + value).
 */
export function computeGae(g: GaeInput): { advantages: Float64Array; returns: Float64Array } {
  const T = g.rewards.length;
  const adv = new Float64Array(T);
  const ret = new Float64Array(T);
  let last = 0;
  for (let t = T - 1; t >= 0; t--) {
    const ended = Boolean(g.terminated[t]) || Boolean(g.truncated[t]);
    const next = g.terminated[t] ? 0 : g.truncated[t] ? g.finalValues[t] : t === T - 1 ? g.nextValue : g.values[t + 1];
    const delta = g.rewards[t] + g.gamma * next - g.values[t];
    last = delta + (ended ? 0 : g.gamma * g.lambda * last);
    adv[t] = last;
    ret[t] = last + g.values[t];
  }
  return { advantages: adv, returns: ret };
}
