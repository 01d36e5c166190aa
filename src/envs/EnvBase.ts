import { EnvStateError, InvalidActionError, UnknownAgentError } from '../core/errors.js';
import type { AgentRecord, EnvMetadata, Info, ParallelEnv, ResetOptions, ResetResult, StepResult } from '../core/ParallelEnv.js';
import { Rng } from '../core/Rng.js';
import type { Space } from '../core/spaces.js';
import { putOwn } from '../core/putOwn.js';

/** The observation and action space of one agent (one object per kind of agent, built once). */
export interface AgentSpaces<OS extends Space = Space, AS extends Space = Space> {
  readonly observation: OS;
  readonly action: AS;
}

/** The element type of a space (`Float32Array` for a `Box`). */
export type ElementOf<S> = S extends Space<infer T> ? T : never;

/** What `EnvBase.stepResult` needs per agent; each field is one value for all agents or a function of the agent. */
export interface StepParts<Obs, Agent extends string> {
  readonly observation: (agent: Agent, i: number) => Obs;
  readonly reward: number | ((agent: Agent, i: number) => number);
  readonly terminated: boolean | ((agent: Agent, i: number) => boolean);
  readonly truncated: boolean | ((agent: Agent, i: number) => boolean);
  /** A shared object (copied for every agent) or a function returning a fresh object per agent. */
  readonly info: Info | ((agent: Agent, i: number) => Info);
}

/** A copy of plain data (arrays, typed arrays, plain objects) so no two agents hold the same object. */
function copyInfo(x: unknown): unknown {
  // primitives first: most entries of an info are numbers, booleans or strings
  if (typeof x !== 'object' || x === null) return x;
  if (Array.isArray(x)) return x.map(copyInfo);
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return (x as unknown as { slice(): unknown }).slice();
  if (Object.getPrototypeOf(x) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x)) putOwn(out, k, copyInfo((x as Record<string, unknown>)[k]));
    return out;
  }
  return x;
}

/**
 * Key of `EnvBase`'s step for a caller that has checked the action record exactly as `step` does (an
 * object holding every live agent and nothing else, each action in its agent's space): `VectorEnv`
 * checks every row before any copy steps, so a copy need not check the same record again. Internal:
 * not exported from the package.
 */
export const stepChecked = Symbol('EnvBase.stepChecked');

const pick = <A extends string, T>(v: T | ((agent: A, i: number) => T), agent: A, i: number): T =>
  typeof v === 'function' ? (v as (agent: A, i: number) => T)(agent, i) : v;

/**
 * The part every env shares (Gymnasium's `Env`): `reset({seed})` as the single seeding entry, the
 * live agents, the closed state, action validation and the step/reset result records. A subclass
 * declares its agents, spaces and metadata and writes `startEpisode` and `applyStep`; the base
 * guarantees that a rejected call changes nothing it owns, that every agent gets its own infos
 * object, and that errors have one class and one message across envs.
 */
export abstract class EnvBase<OS extends Space, AS extends Space, Options = Record<string, unknown>, Agent extends string = string> implements ParallelEnv<
  ElementOf<OS>,
  ElementOf<AS>,
  Agent
> {
  abstract readonly possibleAgents: readonly Agent[];
  abstract readonly metadata: EnvMetadata;
  private live: readonly Agent[] = [];
  private generator: Rng | null = null;
  private closedFlag = false;
  private indexOf: Map<string, number> | undefined;

  /** The spaces of a known agent (the same objects on every call); `agent` is checked before. */
  protected abstract spacesOf(agent: Agent): AgentSpaces<OS, AS>;

  /**
   * Sets up an episode from `rng` (a fresh generator when `reseeded`, else the running one) and
   * returns the first observations. It must validate `options` before changing any state.
   */
  protected abstract startEpisode(
    rng: Rng,
    options: Partial<Options>,
    reseeded: boolean,
  ): Promise<ResetResult<ElementOf<OS>, Agent>> | ResetResult<ElementOf<OS>, Agent>;

  /** Applies validated actions of the live agents (`this.agents`) and returns the step's records. */
  protected abstract applyStep(actions: AgentRecord<Agent, ElementOf<AS>>): Promise<StepResult<ElementOf<OS>, Agent>> | StepResult<ElementOf<OS>, Agent>;

  /** The space of `agent`'s observations (the same object on every call); throws `UnknownAgentError` for an agent not in `possibleAgents`. */
  observationSpace(agent: Agent): OS & Space<ElementOf<OS>> {
    this.agentIndex(agent);
    return this.spacesOf(agent).observation as OS & Space<ElementOf<OS>>;
  }

  /** The space of `agent`'s actions (the same object on every call); throws `UnknownAgentError` for an agent not in `possibleAgents`. */
  actionSpace(agent: Agent): AS & Space<ElementOf<AS>> {
    this.agentIndex(agent);
    return this.spacesOf(agent).action as AS & Space<ElementOf<AS>>;
  }

  /** Live agents (a fresh array whenever it changes, so a caller's copy never shifts under it). */
  get agents(): readonly Agent[] {
    return this.live;
  }

  /** The env itself, under any wrappers (Gymnasium's `unwrapped`). */
  get unwrapped(): this {
    return this;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** Starts an episode; a seed restarts the env's generator, no seed continues it (seed 0 if never seeded). */
  async reset(opts: ResetOptions<Partial<Options>> = {}): Promise<ResetResult<ElementOf<OS>, Agent>> {
    this.assertOpen('reset');
    const reseeded = opts.seed !== undefined;
    const rng = reseeded ? new Rng(opts.seed!) : (this.generator ?? new Rng(0));
    const result = await this.startEpisode(rng, opts.options ?? {}, reseeded);
    this.generator = rng;
    this.live = this.possibleAgents.slice();
    return result;
  }

  /** Validates the whole action record (nothing changes if it is rejected), then applies it. */
  async step(actions: AgentRecord<Agent, ElementOf<AS>>): Promise<StepResult<ElementOf<OS>, Agent>> {
    this.assertCanStep();
    this.validateActions(actions);
    return this.applyStep(actions);
  }

  /** `step` for a record already checked as `validateActions` would (see `stepChecked`): state checks, then `applyStep`. */
  async [stepChecked](actions: AgentRecord<Agent, ElementOf<AS>>): Promise<StepResult<ElementOf<OS>, Agent>> {
    this.assertCanStep();
    return this.applyStep(actions);
  }

  /** Marks the env closed and releases what `onClose` frees; a second call is harmless; later reset/step throw `EnvStateError`. */
  async close(): Promise<void> {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.live = [];
    await this.onClose();
  }

  /** Frees the subclass's resources (models, sessions); called once by `close()`. */
  protected async onClose(): Promise<void> {}

  /** The episode's seeded generator; throws `EnvStateError` before the first reset. */
  protected get rng(): Rng {
    if (this.generator === null) throw new EnvStateError(`${this.constructor.name}: the generator is used before reset(): call reset({seed}) first.`);
    return this.generator;
  }

  /** Whether `reset` has run at least once. */
  protected get started(): boolean {
    return this.generator !== null;
  }

  /** Throws `EnvStateError` naming `call` before the first reset. */
  protected assertStarted(call: string): void {
    if (this.generator === null) throw new EnvStateError(`${call}() called before reset(): call reset({seed}) first.`);
  }

  /** `stepResult` for the step that ends the episode, then `endEpisode`. */
  protected finalStep(parts: StepParts<ElementOf<OS>, Agent>): StepResult<ElementOf<OS>, Agent> {
    const result = this.stepResult(parts);
    this.endEpisode();
    return result;
  }

  /** Ends the episode: no agent is live until the next reset. */
  protected endEpisode(): void {
    this.live = [];
  }

  /** Why a step cannot run although agents are live (e.g. an aborted episode), or undefined. */
  protected stepRefusal(): string | undefined {
    return undefined;
  }

  /**
   * PettingZoo's action mask of `agent`'s next action (entry i = 1 when flat action entry / choice i is
   * allowed), or undefined when every action in the space is allowed (the default). When defined, the
   * base publishes a fresh copy as `infos[agent].actionMask` after reset and after every step the agent
   * is still live in.
   */
  actionMask(_agent: Agent): Uint8Array | undefined {
    return undefined;
  }

  /** What a valid action of `agent` looks like, appended to every `InvalidActionError` message. */
  protected actionHint(agent: Agent): string {
    return `Pass an element of ${String(this.actionSpace(agent))}.`;
  }

  /** Index of `agent` in `possibleAgents`; throws the one `UnknownAgentError` otherwise. */
  protected agentIndex(agent: Agent): number {
    this.indexOf ??= new Map(this.possibleAgents.map((a, i) => [a, i]));
    const i = this.indexOf.get(agent);
    if (i === undefined) throw new UnknownAgentError(agent, this.possibleAgents);
    return i;
  }

  /** Throws `EnvStateError` after `close()`. */
  protected assertOpen(call: 'reset' | 'step'): void {
    if (this.closedFlag) throw new EnvStateError(`${call}() called after close(): create a new ${this.constructor.name}.`);
  }

  /** Throws `EnvStateError` after close, before the first reset, when the env refuses, or after the episode ended. */
  protected assertCanStep(): void {
    this.assertOpen('step');
    if (this.generator === null) throw new EnvStateError('step() called before reset(): call reset({seed}) first.');
    const refusal = this.stepRefusal();
    if (refusal !== undefined) throw new EnvStateError(refusal);
    if (this.live.length === 0) throw new EnvStateError('step() called after the episode ended (no live agents): call reset() first.');
  }

  /**
   * Checks the whole record before anything changes: it is an object, holds no agent that is not
   * live, and every live agent's action is in its space (`explain`). Throws `InvalidActionError`
   * naming the agent, the value and the space.
   */
  protected validateActions(actions: AgentRecord<Agent, ElementOf<AS>>): void {
    if (typeof actions !== 'object' || actions === null) {
      throw new InvalidActionError(
        '(all)',
        actions,
        'a record of actions',
        `Pass { [agent]: action } for every agent of env.agents (${this.live.join(', ')}).`,
      );
    }
    for (const a of Object.keys(actions)) {
      if (!this.live.includes(a as Agent)) {
        throw new InvalidActionError(
          a,
          (actions as Record<string, unknown>)[a],
          'no space (not a live agent)',
          `Only live agents act; env.agents is ${this.live.join(', ')}.`,
        );
      }
    }
    for (const a of this.live) {
      const x = actions[a];
      const space = this.actionSpace(a);
      if (!Object.prototype.hasOwnProperty.call(actions, a)) {
        throw new InvalidActionError(a, undefined, String(space), `Every live agent must act. ${this.actionHint(a)}`);
      }
      const why = space.explain(x);
      if (why !== null) throw new InvalidActionError(a, x, String(space), `${why}. ${this.actionHint(a)}`);
    }
  }

  /** Reset records for all possible agents (the live ones once `reset` returns); a shared `info` is copied per agent. */
  protected resetResult(
    observation: (agent: Agent, i: number) => ElementOf<OS>,
    info: Info | ((agent: Agent, i: number) => Info),
  ): ResetResult<ElementOf<OS>, Agent> {
    const observations = {} as AgentRecord<Agent, ElementOf<OS>>;
    const infos = {} as AgentRecord<Agent, Info>;
    const shared = typeof info !== 'function';
    // putOwn: an agent named `__proto__` must be an entry, not the record's prototype.
    this.possibleAgents.forEach((a, i) => {
      putOwn(observations, a, observation(a, i));
      putOwn(infos, a, shared ? (copyInfo(info) as Info) : info(a, i));
      this.addActionMask(a, infos[a]);
    });
    return { observations, infos };
  }

  private addActionMask(agent: Agent, info: Info): void {
    const mask = this.actionMask(agent);
    if (mask !== undefined) info.actionMask = mask.slice();
  }

  /** Step records for the agents that acted (`this.agents` before `endEpisode`); a shared `info` is copied per agent. */
  protected stepResult(parts: StepParts<ElementOf<OS>, Agent>, acting: readonly Agent[] = this.live): StepResult<ElementOf<OS>, Agent> {
    const observations = {} as AgentRecord<Agent, ElementOf<OS>>;
    const rewards = {} as AgentRecord<Agent, number>;
    const terminations = {} as AgentRecord<Agent, boolean>;
    const truncations = {} as AgentRecord<Agent, boolean>;
    const infos = {} as AgentRecord<Agent, Info>;
    const shared = typeof parts.info !== 'function';
    for (let i = 0; i < acting.length; i++) {
      const a = acting[i];
      putOwn(observations, a, parts.observation(a, i));
      putOwn(rewards, a, pick(parts.reward, a, i));
      putOwn(terminations, a, pick(parts.terminated, a, i));
      putOwn(truncations, a, pick(parts.truncated, a, i));
      putOwn(infos, a, shared ? (copyInfo(parts.info) as Info) : (parts.info as (agent: Agent, i: number) => Info)(a, i));
      if (!terminations[a] && !truncations[a]) this.addActionMask(a, infos[a]);
    }
    return { observations, rewards, terminations, truncations, infos };
  }
}
