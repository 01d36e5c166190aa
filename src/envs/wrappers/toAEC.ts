import { EnvStateError, InvalidActionError } from '../../core/errors.js';
import { hasGlobalState, type AgentRecord, type EnvMetadata, type Info, type ParallelEnv, type ResetOptions } from '../../core/ParallelEnv.js';
import { nullRecord } from '../../core/nullRecord.js';
import { putOwn } from '../../core/putOwn.js';
import type { Box, Space } from '../../core/spaces.js';

/** What `last()` returns for the selected agent (PettingZoo's `env.last()` as a named object). */
export interface AECLast<Obs> {
  readonly observation: Obs;
  readonly reward: number;
  readonly termination: boolean;
  readonly truncation: boolean;
  readonly info: Info;
}

/**
 * PettingZoo's AEC (agent-environment-cycle) semantics over a ParallelEnv: agents act one at a time in
 * `agentSelection` order; the wrapped parallel step runs once every live agent has acted. A done
 * agent stays in `agents` until it is stepped with `null` (PettingZoo's dead step), and done agents
 * are selected before live ones. `cumulativeRewards` (what `last()` reports) holds each agent's reward
 * from the latest parallel step; `rewards` is cleared when a new cycle starts.
 *
 * Loop: `for (const agent of env.agentIter()) { const l = env.last(); await env.step(l.termination || l.truncation ? null : policy(l.observation)); }`
 */
export class AECWrapper<Obs, Act, Agent extends string> {
  readonly possibleAgents: readonly Agent[];
  readonly metadata: EnvMetadata;
  /** The agent whose turn it is. */
  agentSelection!: Agent;
  // Agents may be named `constructor` or `__proto__`: these records are written only with own
  // properties (spread, `putOwn`) and read only where an own entry exists.
  rewards = {} as AgentRecord<Agent, number>;
  cumulativeRewards = {} as AgentRecord<Agent, number>;
  terminations = {} as AgentRecord<Agent, boolean>;
  truncations = {} as AgentRecord<Agent, boolean>;
  infos = {} as AgentRecord<Agent, Info>;
  /** Present when the wrapped env has a global state (MAPPO). */
  readonly stateSpace?: Box;
  /** Global state of the wrapped env, when it has one. */
  readonly state?: () => Float32Array;
  private live: readonly Agent[] = [];
  private observations = nullRecord<Agent, Obs>();
  private actions = nullRecord<Agent, Act>();
  private order: readonly Agent[] = [];
  private index = 0;
  private skipSelection: Agent | null = null;
  private started = false;

  /** Wraps `env`; call `reset` before anything else. */
  constructor(readonly env: ParallelEnv<Obs, Act, Agent>) {
    this.possibleAgents = env.possibleAgents;
    this.metadata = { ...env.metadata, name: `AEC(${env.metadata.name})` };
    if (hasGlobalState(env)) {
      this.stateSpace = env.stateSpace;
      this.state = () => env.state();
    }
  }

  /** Agents still in the cycle, done ones included until their dead step. */
  get agents(): readonly Agent[] {
    return this.live;
  }

  /** The wrapped env's observation space of `agent`. */
  observationSpace(agent: Agent): Space<Obs> {
    return this.env.observationSpace(agent);
  }

  /** The wrapped env's action space of `agent`. */
  actionSpace(agent: Agent): Space<Act> {
    return this.env.actionSpace(agent);
  }

  /** Resets the wrapped env and selects its first live agent. */
  async reset(opts?: ResetOptions): Promise<void> {
    const r = await this.env.reset(opts);
    this.started = true;
    this.observations = nullRecord(r.observations);
    this.infos = { ...r.infos };
    this.live = [...this.env.agents];
    this.order = this.live;
    this.index = 0;
    this.actions = nullRecord();
    this.skipSelection = null;
    this.rewards = {} as AgentRecord<Agent, number>;
    this.cumulativeRewards = {} as AgentRecord<Agent, number>;
    this.terminations = {} as AgentRecord<Agent, boolean>;
    this.truncations = {} as AgentRecord<Agent, boolean>;
    this.fillDefaults();
    this.agentSelection = this.order[0];
  }

  /** The latest observation of `agent`. */
  observe(agent: Agent): Obs {
    if (!this.started) throw new EnvStateError('observe() called before reset(): call reset({seed}) first.');
    return this.observations[agent];
  }

  /** Observation, cumulative reward, flags and info of the selected agent. */
  last(): AECLast<Obs> {
    const a = this.agentSelection;
    return {
      observation: this.observe(a),
      reward: this.cumulativeRewards[a],
      termination: this.terminations[a],
      truncation: this.truncations[a],
      info: this.infos[a],
    };
  }

  /** Yields `agentSelection` while any agent is left in the cycle (at most `maxIter` times). */
  *agentIter(maxIter = Number.MAX_SAFE_INTEGER): Generator<Agent> {
    for (let i = 0; i < maxIter && this.live.length > 0; i++) yield this.agentSelection;
  }

  /**
   * Records the selected agent's action (validated now, so a bad one throws `InvalidActionError`
   * before anything changes); after the last live agent, runs the parallel step. A done agent must
   * be stepped with `null`, which removes it.
   */
  async step(action: Act | null): Promise<void> {
    if (!this.started) throw new EnvStateError('step() called before reset(): call reset({seed}) first.');
    if (this.live.length === 0) throw new EnvStateError('step() called after every agent is done: call reset() first.');
    const agent = this.agentSelection;
    if (this.terminations[agent] || this.truncations[agent]) {
      if (action !== null && action !== undefined) {
        throw new InvalidActionError(agent, action, 'null', `Agent "${agent}" is done; step it with null to remove it from agents.`);
      }
      this.deadStep(agent);
      return;
    }
    const space = this.env.actionSpace(agent);
    const why = space.explain(action);
    if (why !== null) throw new InvalidActionError(agent, action, String(space), `${why}. Pass an element of actionSpace("${agent}").`);
    // Copied on record: a caller may reuse one buffer for every agent's action.
    const actions = nullRecord(this.actions);
    actions[agent] = copyAction(action as Act);
    this.actions = actions;
    if (this.index < this.order.length - 1) {
      if (this.index === 0) this.clearRewards();
      this.index += 1;
      this.agentSelection = this.order[this.index];
      return;
    }
    const r = await this.env.step(this.actions);
    this.actions = nullRecord();
    this.observations = nullRecord(r.observations);
    this.terminations = { ...r.terminations };
    this.truncations = { ...r.truncations };
    this.infos = { ...r.infos };
    this.rewards = { ...r.rewards };
    this.cumulativeRewards = { ...r.rewards };
    const envLive = [...this.env.agents];
    const done = (Object.keys(r.observations) as Agent[]).filter((a) => !envLive.includes(a)).sort();
    this.live = [...envLive, ...done];
    this.fillDefaults();
    if (envLive.length > 0) {
      this.order = envLive;
      this.index = 0;
      this.agentSelection = envLive[0];
    }
    this.deadsStepFirst();
  }

  /** Closes the wrapped env. */
  close(): Promise<void> {
    return this.env.close();
  }

  /** Agents new to the cycle get neutral entries so `last()` never reads undefined. */
  private fillDefaults(): void {
    for (const a of this.live) {
      if (!Object.hasOwn(this.rewards, a)) putOwn(this.rewards, a, 0);
      if (!Object.hasOwn(this.cumulativeRewards, a)) putOwn(this.cumulativeRewards, a, 0);
      if (!Object.hasOwn(this.terminations, a)) putOwn(this.terminations, a, false);
      if (!Object.hasOwn(this.truncations, a)) putOwn(this.truncations, a, false);
      if (!Object.hasOwn(this.infos, a)) putOwn(this.infos, a, {});
    }
  }

  private clearRewards(): void {
    for (const a of this.live) putOwn(this.rewards, a, 0);
  }

  private isDone(a: Agent): boolean {
    return this.terminations[a] || this.truncations[a];
  }

  /** Done agents take their (null) turns before the next live agent, as in PettingZoo. */
  private deadsStepFirst(): void {
    const dead = this.live.filter((a) => this.isDone(a));
    if (dead.length > 0) {
      this.skipSelection = this.agentSelection;
      this.agentSelection = dead[0];
    }
  }

  private deadStep(agent: Agent): void {
    this.live = this.live.filter((a) => a !== agent);
    for (const rec of [this.terminations, this.truncations, this.rewards, this.cumulativeRewards, this.infos] as Record<string, unknown>[]) delete rec[agent];
    const dead = this.live.filter((a) => this.isDone(a));
    if (dead.length > 0) {
      this.skipSelection ??= this.agentSelection;
      this.agentSelection = dead[0];
    } else {
      if (this.skipSelection !== null) this.agentSelection = this.skipSelection;
      this.skipSelection = null;
    }
    this.clearRewards();
  }
}

/** A copy of an action that shares no buffer or array with it (typed arrays, arrays and Dict records are copied). */
function copyAction<Act>(action: Act): Act {
  if (ArrayBuffer.isView(action) && !(action instanceof DataView)) return (action as unknown as Float32Array).slice() as unknown as Act;
  if (Array.isArray(action)) return (action as unknown[]).map((x) => copyAction(x)) as unknown as Act;
  if (typeof action === 'object' && action !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(action))
      Object.defineProperty(out, k, { value: copyAction((action as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
    return out as Act;
  }
  return action;
}

/** Wraps a ParallelEnv with PettingZoo's AEC semantics (see `AECWrapper`). */
export function toAEC<Obs, Act, Agent extends string>(env: ParallelEnv<Obs, Act, Agent>): AECWrapper<Obs, Act, Agent> {
  return new AECWrapper(env);
}
