import type { Rng } from '../core/Rng.js';
import type { ActOptions, ActResult, Policy, PolicyState } from '../agents/Policy.js';
import type { OnPolicyAlgorithm } from '../algos/OnPolicyAlgorithm.js';

/**
 * A trained algorithm as a `Policy` over the env's own agents: observations go through the
 * algorithm's agent view (joint for PPO, per agent for IPPO/MAPPO) and actions come back as the
 * env's action record, so evaluation code never needs to know which algorithm trained it.
 */
export function algoAsPolicy(algo: OnPolicyAlgorithm, agents: readonly string[]): Policy {
  return {
    agents,
    act(observations: Record<string, Float32Array>, rng: Rng, opts?: ActOptions): ActResult {
      const res = algo.policy.act(algo.view.observe(observations), rng, opts);
      const actions = algo.view.toEnvActions(res.actions) as Record<string, unknown>;
      const lp = Object.values(res.logProbs).reduce((a, b) => a + b, 0);
      return { actions, logProbs: Object.fromEntries(agents.map((a) => [a, lp])) };
    },
    save: (): PolicyState => algo.policy.save(),
    load: (state: PolicyState): void => algo.policy.load(state),
    dispose: (): void => algo.dispose(),
  };
}
