import { EnvStateError, InvalidActionError } from '../../core/errors.js';
import type { AgentRecord, EnvMetadata, Info, ParallelEnv, ResetOptions } from '../../core/ParallelEnv.js';
import { Box, flatBounds, type Space } from '../../core/spaces.js';

/** What a single-agent `reset` returns (Gymnasium's `(obs, info)` as a named object). */
export interface SingleAgentResetResult<Obs> {
  readonly observation: Obs;
  readonly info: Info;
}

/** What a single-agent `step` returns (Gymnasium's five-tuple as a named object). */
export interface SingleAgentStepResult<Obs> {
  readonly observation: Obs;
  readonly reward: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
  readonly info: Info;
}

/** Gymnasium-style single-agent env: spaces are properties, one async `reset`/`step` signature. */
export interface SingleAgentEnv<Obs = Float32Array, Act = Float32Array> {
  readonly observationSpace: Space<Obs>;
  readonly actionSpace: Space<Act>;
  readonly metadata: EnvMetadata;
  /** Starts an episode; with a seed, everything that follows is reproducible. */
  reset(opts?: ResetOptions): Promise<SingleAgentResetResult<Obs>>;
  /** Applies one action; throws `InvalidActionError` (state unchanged) or `EnvStateError`. */
  step(action: Act): Promise<SingleAgentStepResult<Obs>>;
  /** Frees what the wrapped env holds. */
  close(): Promise<void>;
}

/** Joint action: one vector over all agents (in `possibleAgents` order), or a record of per-agent actions. */
export type JointAction<Agent extends string, Act> = Float32Array | readonly number[] | Partial<AgentRecord<Agent, Act>>;

/** A Box whose entries are the concatenated flattenings of `spaces`. */
function concatBox(spaces: readonly Space[]): Box {
  const parts = spaces.map(flatBounds);
  const n = parts.reduce((a, p) => a + p.low.length, 0);
  const low = new Float32Array(n),
    high = new Float32Array(n);
  let o = 0;
  for (const p of parts) {
    low.set(p.low, o);
    high.set(p.high, o);
    o += p.low.length;
  }
  return new Box(low, high, [n]);
}

/**
 * Views a ParallelEnv as one agent acting for the whole team (RLAE's single PPO policy over the joint
 * weight vector). Agents are laid out in `possibleAgents` order:
 * - observation: every agent's observation flattened and concatenated (zeros for agents not live);
 * - action: the concatenation of every agent's flattened action (entries of agents not live are
 *   ignored), or a record of per-agent actions;
 * - reward: the team reward, i.e. the mean of the rewards of the agents that acted in the step;
 * - terminated / truncated: once no agent is live; `terminated` when every agent of the final step
 *   terminated, otherwise `truncated` (so value bootstrapping stays valid);
 * - info: `{ infos, rewards }` per agent, plus `success` when every agent's info has a boolean `success`.
 */
export class SingleAgentWrapper<Obs, Act, Agent extends string> implements SingleAgentEnv<Float32Array, JointAction<Agent, Act>> {
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  readonly metadata: EnvMetadata;
  private readonly obsOffsets: number[] = [];
  private readonly actOffsets: number[] = [];

  /** Wraps `env`; its spaces must not change (they are read once here). */
  constructor(readonly env: ParallelEnv<Obs, Act, Agent>) {
    const agents = env.possibleAgents;
    const obsSpaces = agents.map((a) => env.observationSpace(a));
    const actSpaces = agents.map((a) => env.actionSpace(a));
    let o = 0,
      p = 0;
    agents.forEach((_, i) => {
      this.obsOffsets.push(o);
      this.actOffsets.push(p);
      o += obsSpaces[i].flatDim;
      p += actSpaces[i].flatDim;
    });
    this.observationSpace = concatBox(obsSpaces);
    this.actionSpace = concatBox(actSpaces);
    this.metadata = { ...env.metadata, name: `SingleAgent(${env.metadata.name})` };
  }

  /** Resets the wrapped env; the observation is the joint observation. */
  async reset(opts?: ResetOptions): Promise<SingleAgentResetResult<Float32Array>> {
    const r = await this.env.reset(opts);
    return { observation: this.joinObservations(r.observations), info: { infos: r.infos } };
  }

  /** Splits the joint action, steps every live agent, and returns the team's view of the step. */
  async step(action: JointAction<Agent, Act>): Promise<SingleAgentStepResult<Float32Array>> {
    const live = [...this.env.agents];
    if (live.length === 0) throw new EnvStateError('step() with no live agent: call reset() first (the episode ended, or never started).');
    const actions = this.splitAction(action, live);
    const r = await this.env.step(actions);
    const acting = Object.keys(r.rewards) as Agent[];
    const reward = acting.length === 0 ? 0 : acting.reduce((s, a) => s + r.rewards[a], 0) / acting.length;
    const ended = this.env.agents.length === 0;
    const terminated = ended && acting.every((a) => r.terminations[a]);
    const info: Info = { infos: r.infos, rewards: r.rewards };
    const successes = acting.map((a) => r.infos[a]?.success);
    if (acting.length > 0 && successes.every((s) => typeof s === 'boolean')) info.success = successes.every(Boolean);
    return { observation: this.joinObservations(r.observations), reward, terminated, truncated: ended && !terminated, info };
  }

  /** Closes the wrapped env. */
  close(): Promise<void> {
    return this.env.close();
  }

  private joinObservations(observations: Partial<AgentRecord<Agent, Obs>>): Float32Array {
    const out = new Float32Array(this.observationSpace.flatDim);
    this.env.possibleAgents.forEach((a, i) => {
      if (Object.prototype.hasOwnProperty.call(observations, a)) this.env.observationSpace(a).flatten(observations[a] as Obs, out, this.obsOffsets[i]);
    });
    return out;
  }

  private splitAction(action: JointAction<Agent, Act>, live: readonly Agent[]): AgentRecord<Agent, Act> {
    if (!(ArrayBuffer.isView(action) || Array.isArray(action))) return action as AgentRecord<Agent, Act>;
    const why = this.actionSpace.explain(action);
    if (why !== null) {
      throw new InvalidActionError(
        '(joint)',
        action,
        String(this.actionSpace),
        `${why}. Pass the concatenation of every agent's action in possibleAgents order (${this.env.possibleAgents.join(', ')}).`,
      );
    }
    const flat = Float32Array.from(action as ArrayLike<number>);
    // fromEntries defines own entries, so agents named `__proto__` or `constructor` are plain keys.
    return Object.fromEntries(
      live.map((a) => [a, this.env.actionSpace(a).unflatten(flat, this.actOffsets[this.env.possibleAgents.indexOf(a)])]),
    ) as AgentRecord<Agent, Act>;
  }
}

/** Wraps a ParallelEnv as a single-agent env over joint observations and actions (see `SingleAgentWrapper`). */
export function toSingleAgent<Obs, Act, Agent extends string>(env: ParallelEnv<Obs, Act, Agent>): SingleAgentWrapper<Obs, Act, Agent> {
  return new SingleAgentWrapper(env);
}
