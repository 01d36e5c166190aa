import { Rng } from '../../core/Rng.js';
import type { Task } from '../../ensemble/tasks/Task.js';
import type { OnPolicyAlgorithm } from '../../algos/OnPolicyAlgorithm.js';
import type { ActionChooser } from './evaluateDecoding.js';

/** Logit floor standing for weight 0 (softmax weight ≈ e^-30 relative to the others). */
const LOG_ZERO = -30;

/**
 * Fixed mixing weights every step (one per agent, in `possibleAgents` order): the actions are
 * log-weights, whose softmax is the weights again. A one-hot vector is a single model alone.
 */
export function fixedWeightsChooser(weights: readonly number[]): ActionChooser {
  return (_obs, { env }) => {
    const out: Record<string, Float32Array> = {};
    env.possibleAgents.forEach((a, i) => {
      const w = weights[i] ?? 0;
      out[a] = Float32Array.of(w > 0 ? Math.max(LOG_ZERO, Math.log(w)) : LOG_ZERO);
    });
    return out;
  };
}

/** A trained PPO / IPPO / MAPPO policy acting deterministically (mean action) through its agent view. */
export function policyChooser(algo: OnPolicyAlgorithm, seed = 0): ActionChooser {
  const rng = new Rng(`${seed}/eval`);
  return (observations) => {
    const learnerObs = algo.view.observe(observations);
    const { actions } = algo.policy.act(learnerObs, rng, { deterministic: true });
    return algo.view.toEnvActions(actions) as Record<string, Float32Array>;
  };
}

/**
 * The segment oracle ("oracle switching"): it knows which answer segment the next token belongs to
 * (from the task's segment structure and the text so far) and puts all weight on the model that is
 * best at that segment. An upper reference, not a policy: it reads the task's answer structure.
 */
export function segmentOracleChooser(task: Task, bestModelBySegment: readonly number[]): ActionChooser {
  return (_obs, { env, text }) => {
    const seg = Math.min(task.segmentIndexAt(text), bestModelBySegment.length - 1);
    const best = bestModelBySegment[Math.max(0, seg)];
    const out: Record<string, Float32Array> = {};
    env.possibleAgents.forEach((a, i) => (out[a] = Float32Array.of(i === best ? 0 : LOG_ZERO)));
    return out;
  };
}
