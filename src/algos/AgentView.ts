import { Dict, type Space } from '../core/spaces.js';
import { ConfigError } from '../core/errors.js';
import { agentRecord } from './agentRecord.js';

/** What a view needs to know of an env (a `ParallelEnv` or a `VectorEnv` of copies): its agents and their spaces. */
export interface EnvSpaces {
  readonly possibleAgents: readonly string[];
  observationSpace(agent: string): Space<unknown>;
  actionSpace(agent: string): Space<unknown>;
}

/**
 * How an algorithm sees a parallel env: its learners, their flat observations and action spaces, and
 * how their actions, rewards and episode ends map to and from the env's agents. The record methods
 * serve one env (`envPolicy`); the batch methods serve a `VectorEnv`'s per-agent rows (training).
 */
export interface AgentView {
  readonly learners: readonly string[];
  /** Flat observation floats of each learner. */
  obsDim(learner: string): number;
  /** Action space of each learner. */
  actionSpace(learner: string): Space<unknown>;
  /** Flat observations per learner from the env's observation record (`ConfigError` for one outside its space). */
  observe(observations: Record<string, unknown>): Record<string, Float32Array>;
  /** Learner observation rows (`rows × obsDim(learner)`) from a vector env's flat per-agent rows. */
  observeRows(observations: Record<string, Float32Array>, rows: number): Record<string, Float32Array>;
  /** The env's action record from the learners' actions. */
  toEnvActions(actions: Record<string, unknown>): Record<string, unknown>;
  /** Reward of each learner. */
  rewards(rewards: Record<string, number>): Record<string, number>;
  /** Reward of each learner in row `row` of a vector env's per-agent reward rows. */
  rewardRow(rewards: Record<string, Float32Array>, row: number): Record<string, number>;
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
export function perAgentView(env: EnvSpaces): AgentView {
  const agents = [...env.possibleAgents];
  const obsSpaces = agents.map((a) => env.observationSpace(a));
  const actSpaces = agents.map((a) => env.actionSpace(a));
  const index = new Map(agents.map((a, i) => [a, i]));
  const at = (a: string): number => {
    const i = index.get(a);
    if (i === undefined) throw new ConfigError('learner', `"${a}" is not an agent of this env (${agents.join(', ')})`, "Use one of the env's possibleAgents.");
    return i;
  };
  return {
    learners: agents,
    obsDim: (a) => obsSpaces[at(a)].flatDim,
    actionSpace: (a) => actSpaces[at(a)],
    observe: (obs) => {
      const out = agentRecord<Float32Array>();
      agents.forEach((a, i) => (out[a] = flat(obsSpaces[i], obs[a], a)));
      return out;
    },
    observeRows: (obs) => {
      const out = agentRecord<Float32Array>();
      for (const a of agents) out[a] = obs[a];
      return out;
    },
    toEnvActions: (actions) => actions,
    rewards: (r) => r,
    rewardRow: (r, row) => {
      const out = agentRecord<number>();
      for (const a of agents) out[a] = r[a][row];
      return out;
    },
  };
}

/** Name of the single learner of `jointView`. */
export const JOINT_LEARNER = 'joint';

/**
 * RLAE-PPO view: one learner over the joint action. Its observation is the agents' flat observations
 * concatenated in `possibleAgents` order, its action space a `Dict` keyed by agent (whose value is exactly
 * the env's action record), and its reward the mean of the agents' rewards (the team reward when shared).
 */
export function jointView(env: EnvSpaces): AgentView {
  const agents = [...env.possibleAgents];
  const spaces = agents.map((a) => env.observationSpace(a));
  const dims = spaces.map((s) => s.flatDim);
  const total = dims.reduce((a, b) => a + b, 0);
  const space = new Dict(Object.fromEntries(agents.map((a) => [a, env.actionSpace(a)])));
  const one = <T>(x: T): Record<string, T> => {
    const out = agentRecord<T>();
    out[JOINT_LEARNER] = x;
    return out;
  };
  return {
    learners: [JOINT_LEARNER],
    obsDim: () => total,
    actionSpace: () => space,
    observe: (obs) => {
      const out = new Float32Array(total);
      let o = 0;
      agents.forEach((a, i) => {
        out.set(flat(spaces[i], obs[a], a), o);
        o += dims[i];
      });
      return one(out);
    },
    observeRows: (obs, rows) => {
      const out = new Float32Array(rows * total);
      for (let r = 0; r < rows; r++) {
        let o = r * total;
        agents.forEach((a, i) => {
          out.set(obs[a].subarray(r * dims[i], (r + 1) * dims[i]), o);
          o += dims[i];
        });
      }
      return one(out);
    },
    toEnvActions: (actions) => actions[JOINT_LEARNER] as Record<string, unknown>,
    rewards: (r) => {
      let s = 0;
      for (const a of agents) s += r[a] ?? 0;
      return one(s / agents.length);
    },
    rewardRow: (r, row) => {
      let s = 0;
      for (const a of agents) s += r[a][row];
      return one(s / agents.length);
    },
  };
}
