import { ConfigError } from '../core/errors.js';
import { Dict, type Space } from '../core/spaces.js';
import type { ParallelEnv } from '../core/ParallelEnv.js';

/**
 * How an algorithm sees a parallel env: its learners, their flat observations and action spaces, and
 * how their actions, rewards and episode ends map to and from the env's agents.
 */
export interface AgentView {
  readonly learners: readonly string[];
  /** Flat observation floats of each learner. */
  obsDim(learner: string): number;
  /** Action space of each learner. */
  actionSpace(learner: string): Space<unknown>;
  /** Flat observations per learner from the env's observation record (`ConfigError` for one outside its space). */
  observe(observations: Record<string, unknown>): Record<string, Float32Array>;
  /** The env's action record from the learners' actions. */
  toEnvActions(actions: Record<string, unknown>): Record<string, unknown>;
  /** Reward of each learner. */
  rewards(rewards: Record<string, number>): Record<string, number>;
}

/** `x` flattened; throws `ConfigError` naming the agent when `x` is not in its observation space. */
function flat(space: Space<unknown>, x: unknown, agent: string): Float32Array {
  const why = space.explain(x);
  if (why !== null) throw new ConfigError(`observations.${agent}`, `${why} (space ${String(space)})`, 'Pass the observation the env returned for this agent.');
  if (x instanceof Float32Array) return x;
  const out = new Float32Array(space.flatDim);
  space.flatten(x, out, 0);
  return out;
}

/** IPPO/MAPPO view: each env agent is a learner with its own observation (flattened) and action space. */
export function perAgentView(env: ParallelEnv<unknown, unknown>): AgentView {
  const agents = env.possibleAgents;
  return {
    learners: agents,
    obsDim: (a) => env.observationSpace(a).flatDim,
    actionSpace: (a) => env.actionSpace(a),
    observe: (obs) => Object.fromEntries(agents.map((a) => [a, flat(env.observationSpace(a), obs[a], a)])),
    toEnvActions: (actions) => actions,
    rewards: (r) => r,
  };
}

/** Name of the single learner of `jointView`. */
export const JOINT_LEARNER = 'joint';

/**
 * RLAE-PPO view: one learner over the joint action. Its observation is the agents' flat observations
 * concatenated in `possibleAgents` order, its action space a `Dict` keyed by agent (whose value is exactly
 * the env's action record), and its reward the mean of the agents' rewards (the team reward when shared).
 */
export function jointView(env: ParallelEnv<unknown, unknown>): AgentView {
  const agents = env.possibleAgents;
  const dims = agents.map((a) => env.observationSpace(a).flatDim);
  const total = dims.reduce((a, b) => a + b, 0);
  const space = new Dict(Object.fromEntries(agents.map((a) => [a, env.actionSpace(a)])));
  return {
    learners: [JOINT_LEARNER],
    obsDim: () => total,
    actionSpace: () => space,
    observe: (obs) => {
      const out = new Float32Array(total);
      let o = 0;
      agents.forEach((a, i) => {
        out.set(flat(env.observationSpace(a), obs[a], a), o);
        o += dims[i];
      });
      return { [JOINT_LEARNER]: out };
    },
    toEnvActions: (actions) => actions[JOINT_LEARNER] as Record<string, unknown>,
    rewards: (r) => {
      let s = 0;
      for (const a of agents) s += r[a] ?? 0;
      return { [JOINT_LEARNER]: s / agents.length };
    },
  };
}
