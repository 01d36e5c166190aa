import type { Box, Space } from './spaces.js';

/** Per-agent record, PettingZoo's `dict[agent, X]`. */
export type AgentRecord<Agent extends string, X> = Record<Agent, X>;

/** Free-form diagnostic values an env returns per agent (never used for learning by convention). */
export type Info = Record<string, unknown>;

/** Options of `reset`: the seed is the single seeding entry (Gymnasium); `options` is env-specific. */
export interface ResetOptions<O = Record<string, unknown>> {
  readonly seed?: number;
  readonly options?: O;
}

/** What `reset` returns. */
export interface ResetResult<Obs, Agent extends string> {
  readonly observations: AgentRecord<Agent, Obs>;
  readonly infos: AgentRecord<Agent, Info>;
}

/** What `step` returns: plural records keyed by the agents that acted (`terminated` and `truncated` kept apart). */
export interface StepResult<Obs, Agent extends string> {
  readonly observations: AgentRecord<Agent, Obs>;
  readonly rewards: AgentRecord<Agent, number>;
  readonly terminations: AgentRecord<Agent, boolean>;
  readonly truncations: AgentRecord<Agent, boolean>;
  readonly infos: AgentRecord<Agent, Info>;
}

/**
 * Static facts about an env. `autoreset` follows Gymnasium 1.0: `'none'` means the caller resets
 * after the episode ends; vector envs declare `'next-step'` or `'same-step'`.
 */
export interface EnvMetadata {
  readonly name: string;
  readonly renderModes: readonly string[];
  readonly autoreset: 'none' | 'next-step' | 'same-step';
  readonly [key: string]: unknown;
}

/**
 * PettingZoo's parallel API in camelCase: all live agents act at every step.
 * `agents` lists live agents; an agent that terminates or truncates leaves it after that step.
 */
export interface ParallelEnv<Obs = Float32Array, Act = Float32Array, Agent extends string = string> {
  readonly possibleAgents: readonly Agent[];
  readonly agents: readonly Agent[];
  readonly metadata: EnvMetadata;
  /** The space of `agent`'s observations (the same object on every call). */
  observationSpace(agent: Agent): Space<Obs>;
  /** The space of `agent`'s actions (the same object on every call). */
  actionSpace(agent: Agent): Space<Act>;
  /** Starts an episode; with a seed, everything that follows is reproducible. */
  reset(opts?: ResetOptions): Promise<ResetResult<Obs, Agent>>;
  /** Applies one action per live agent; throws `InvalidActionError` (state unchanged) or `EnvStateError`. */
  step(actions: AgentRecord<Agent, Act>): Promise<StepResult<Obs, Agent>>;
  /** Frees models, sessions and workers; calling it twice is harmless. */
  close(): Promise<void>;
}

/** Capability of envs that expose a global state for centralized critics (MAPPO). */
export interface HasGlobalState {
  readonly stateSpace: Box;
  /** The global state at the current step (flat float32). */
  state(): Float32Array;
}

/** Type guard for `HasGlobalState`. */
export function hasGlobalState(env: object): env is HasGlobalState {
  return typeof (env as Partial<HasGlobalState>).state === 'function' && (env as Partial<HasGlobalState>).stateSpace !== undefined;
}
