import { ConfigError, EnsembleGymError, EnvStateError, InvalidActionError } from '../core/errors.js';
import type { AgentRecord, EnvMetadata, HasGlobalState, Info, ParallelEnv, ResetOptions, ResetResult, StepResult } from '../core/ParallelEnv.js';
import { Rng } from '../core/Rng.js';
import { Box } from '../core/spaces.js';

/** Options of `CoordinationGameEnv`; every field is optional and documented with its default. */
export interface CoordinationGameConfig {
  /** Number of agents (default 3). */
  readonly nAgents?: number;
  /** Number of options each agent chooses among (default 3). */
  readonly nOptions?: number;
  /** Steps per episode; the episode always ends by truncation after this many steps (default 8). */
  readonly horizon?: number;
  /** Probability that an agent's cue shows a uniformly random option instead of the target (default 0). */
  readonly cueNoise?: number;
  /** Weight of the dense term (fraction of agents that picked the target) in the team reward (default 0.5). */
  readonly denseWeight?: number;
}

/** `CoordinationGameConfig` with every default filled in. */
export type ResolvedCoordinationGameConfig = Required<CoordinationGameConfig>;

/** Fills defaults and rejects out-of-range values with a `ConfigError` naming the field. */
export function resolveCoordinationGameConfig(config: CoordinationGameConfig = {}): ResolvedCoordinationGameConfig {
  const c = { nAgents: 3, nOptions: 3, horizon: 8, cueNoise: 0, denseWeight: 0.5, ...config };
  const int = (field: keyof CoordinationGameConfig, min: number): void => {
    const v = c[field];
    if (!Number.isInteger(v) || v < min) throw new ConfigError(field, `must be an integer >= ${min}, got ${v}`, `Set ${field} to ${min} or more.`);
  };
  const unit = (field: keyof CoordinationGameConfig): void => {
    const v = c[field];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new ConfigError(field, `must be a number in [0, 1], got ${v}`, `Set ${field} between 0 and 1.`);
  };
  int('nAgents', 1);
  int('nOptions', 2);
  int('horizon', 1);
  unit('cueNoise');
  unit('denseWeight');
  return c;
}

/** Index of the largest entry (the first one on ties). */
function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

/**
 * Tiny cooperative reference env. At every step a hidden target option is drawn; each agent sees a
 * cue (the target, or with probability `cueNoise` a random option), its own one-hot id and the
 * episode progress, and answers with K logits whose argmax is its pick. The team reward, shared by
 * all agents, is `denseWeight * (fraction of agents that picked the target) + (1 - denseWeight) *
 * [all picked it]`; `infos[agent].success` says whether all did. Episodes last `horizon` steps and end
 * by truncation. The global state (for centralised critics) holds the target and every agent's cue.
 *
 * Observation of agent i: `[one-hot cue (K), one-hot agent id (N), t / horizon]`.
 */
export class CoordinationGameEnv implements ParallelEnv<Float32Array, Float32Array, string>, HasGlobalState {
  readonly possibleAgents: readonly string[];
  readonly metadata: EnvMetadata = { name: 'CoordinationGame-v0', renderModes: [], autoreset: 'none' };
  readonly stateSpace: Box;
  readonly config: ResolvedCoordinationGameConfig;
  private readonly obsSpace: Box;
  private readonly actSpace: Box;
  private live: readonly string[] = [];
  private rng: Rng | null = null;
  private t = 0;
  private target = 0;
  private cues: Int32Array;
  private closed = false;

  /** Builds the env; see `CoordinationGameConfig` for the options and their defaults. */
  constructor(config: CoordinationGameConfig = {}) {
    this.config = resolveCoordinationGameConfig(config);
    const { nAgents, nOptions } = this.config;
    this.possibleAgents = Array.from({ length: nAgents }, (_, i) => `agent_${i}`);
    this.obsSpace = new Box(0, 1, [nOptions + nAgents + 1]);
    this.actSpace = new Box(-Infinity, Infinity, [nOptions]);
    this.stateSpace = new Box(0, 1, [nOptions + nAgents * nOptions + 1]);
    this.cues = new Int32Array(nAgents);
  }

  /** Live agents (a fresh array whenever it changes, so a caller's copy never shifts under it). */
  get agents(): readonly string[] {
    return this.live;
  }

  /** `Box(0, 1, [K + N + 1])` for every agent. */
  observationSpace(agent: string): Box {
    this.agentIndex(agent);
    return this.obsSpace;
  }

  /** `Box(-Infinity, Infinity, [K])` logits for every agent; the argmax is the pick. */
  actionSpace(agent: string): Box {
    this.agentIndex(agent);
    return this.actSpace;
  }

  /** Starts an episode; a seed restarts the env's generator, no seed continues it (seed 0 if never seeded). */
  async reset(opts: ResetOptions = {}): Promise<ResetResult<Float32Array, string>> {
    if (this.closed) throw new EnvStateError('reset() called after close(): create a new CoordinationGameEnv.');
    if (opts.seed !== undefined) this.rng = new Rng(opts.seed);
    else if (this.rng === null) this.rng = new Rng(0);
    this.t = 0;
    this.drawTarget(this.rng);
    this.live = [...this.possibleAgents];
    const observations = {} as AgentRecord<string, Float32Array>;
    const infos = {} as AgentRecord<string, Info>;
    for (const a of this.live) {
      observations[a] = this.observe(a);
      infos[a] = {};
    }
    return { observations, infos };
  }

  /** Scores every live agent's pick against the current target, then draws the next target. */
  async step(actions: AgentRecord<string, Float32Array>): Promise<StepResult<Float32Array, string>> {
    const rng = this.checkStep(actions);
    const { horizon, denseWeight } = this.config;
    const acting = this.live;
    const correct = acting.map((a) => argmax(actions[a]) === this.target);
    const nCorrect = correct.filter(Boolean).length;
    const success = nCorrect === acting.length;
    const reward = denseWeight * (nCorrect / acting.length) + (1 - denseWeight) * (success ? 1 : 0);
    this.t += 1;
    const truncated = this.t >= horizon;
    this.drawTarget(rng);
    const observations = {} as AgentRecord<string, Float32Array>;
    const rewards = {} as AgentRecord<string, number>;
    const terminations = {} as AgentRecord<string, boolean>;
    const truncations = {} as AgentRecord<string, boolean>;
    const infos = {} as AgentRecord<string, Info>;
    acting.forEach((a, i) => {
      observations[a] = this.observe(a);
      rewards[a] = reward;
      terminations[a] = false;
      truncations[a] = truncated;
      infos[a] = { success, correct: correct[i] };
    });
    if (truncated) this.live = [];
    return { observations, rewards, terminations, truncations, infos };
  }

  /** `[one-hot target (K), one-hot cue of each agent (N*K), t / horizon]`. */
  state(): Float32Array {
    if (this.rng === null) throw new EnvStateError('state() called before reset(): call reset({seed}) first.');
    const { nAgents, nOptions, horizon } = this.config;
    const s = new Float32Array(this.stateSpace.flatDim);
    s[this.target] = 1;
    for (let i = 0; i < nAgents; i++) s[nOptions + i * nOptions + this.cues[i]] = 1;
    s[nOptions + nAgents * nOptions] = this.t / horizon;
    return s;
  }

  /** Marks the env closed; later reset/step calls throw `EnvStateError`. */
  async close(): Promise<void> {
    this.closed = true;
    this.live = [];
  }

  private agentIndex(agent: string): number {
    const i = this.possibleAgents.indexOf(agent);
    if (i < 0) throw new EnsembleGymError(`unknown agent "${agent}": this env has agents ${this.possibleAgents.join(', ')}.`);
    return i;
  }

  private drawTarget(rng: Rng): void {
    const { nOptions, cueNoise } = this.config;
    this.target = rng.int(nOptions);
    for (let i = 0; i < this.cues.length; i++) {
      // Both draws happen for every agent so that cueNoise does not change the random stream's layout.
      const noisy = rng.next() < cueNoise;
      const random = rng.int(nOptions);
      this.cues[i] = noisy ? random : this.target;
    }
  }

  private observe(agent: string): Float32Array {
    const { nAgents, nOptions, horizon } = this.config;
    const i = this.agentIndex(agent);
    const o = new Float32Array(nOptions + nAgents + 1);
    o[this.cues[i]] = 1;
    o[nOptions + i] = 1;
    o[nOptions + nAgents] = this.t / horizon;
    return o;
  }

  /** Validates the call before anything changes, so a rejected step leaves the env exactly as it was. */
  private checkStep(actions: AgentRecord<string, Float32Array>): Rng {
    if (this.closed) throw new EnvStateError('step() called after close(): create a new CoordinationGameEnv.');
    if (this.rng === null) throw new EnvStateError('step() called before reset(): call reset({seed}) first.');
    if (this.live.length === 0) throw new EnvStateError('step() called after the episode ended (no live agents): call reset() first.');
    if (typeof actions !== 'object' || actions === null) {
      throw new InvalidActionError('(all)', actions, 'a record of actions', `Pass { [agent]: logits } for every agent of env.agents (${this.live.join(', ')}).`);
    }
    for (const a of Object.keys(actions)) {
      if (!this.live.includes(a)) {
        throw new InvalidActionError(a, actions[a], 'no space (not a live agent)', `Only live agents act; env.agents is ${this.live.join(', ')}.`);
      }
    }
    for (const a of this.live) {
      if (!Object.prototype.hasOwnProperty.call(actions, a)) {
        throw new InvalidActionError(a, undefined, String(this.actSpace), 'Every live agent must act: pass an action for each agent of env.agents.');
      }
      const why = this.actSpace.explain(actions[a]);
      if (why !== null) {
        throw new InvalidActionError(a, actions[a], String(this.actSpace), `${why}. Pass ${this.config.nOptions} finite logits (a Float32Array).`);
      }
    }
    return this.rng;
  }
}
