import { ConfigError } from '../core/errors.js';
import type { AgentRecord, EnvMetadata, HasGlobalState, ResetResult, StepResult } from '../core/ParallelEnv.js';
import type { Rng } from '../core/Rng.js';
import { Box } from '../core/spaces.js';
import { EnvBase, type AgentSpaces } from './EnvBase.js';

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
export class CoordinationGameEnv extends EnvBase<Box, Box> implements HasGlobalState {
  readonly possibleAgents: readonly string[];
  readonly metadata: EnvMetadata = { name: 'CoordinationGame-v0', renderModes: [], autoreset: 'none' };
  readonly stateSpace: Box;
  readonly config: ResolvedCoordinationGameConfig;
  private readonly spaces: AgentSpaces<Box, Box>;
  private t = 0;
  private target = 0;
  private cues: Int32Array;

  /** Builds the env; see `CoordinationGameConfig` for the options and their defaults. */
  constructor(config: CoordinationGameConfig = {}) {
    super();
    this.config = resolveCoordinationGameConfig(config);
    const { nAgents, nOptions } = this.config;
    this.possibleAgents = Array.from({ length: nAgents }, (_, i) => `agent_${i}`);
    this.spaces = { observation: new Box(0, 1, [nOptions + nAgents + 1]), action: new Box(-Infinity, Infinity, [nOptions]) };
    this.stateSpace = new Box(0, 1, [nOptions + nAgents * nOptions + 1]);
    this.cues = new Int32Array(nAgents);
  }

  /** `Box(0, 1, [K + N + 1])` observations and `Box(-Infinity, Infinity, [K])` logits (the argmax is the pick) for every agent. */
  protected spacesOf(): AgentSpaces<Box, Box> {
    return this.spaces;
  }

  /** Draws the first target and cues from the episode's generator. */
  protected startEpisode(rng: Rng): ResetResult<Float32Array, string> {
    this.t = 0;
    this.drawTarget(rng);
    return this.resetResult((a) => this.observe(a), {});
  }

  /** Scores every live agent's pick against the current target, then draws the next target. */
  protected applyStep(actions: AgentRecord<string, Float32Array>): StepResult<Float32Array, string> {
    const { horizon, denseWeight } = this.config;
    const acting = this.agents;
    const correct = acting.map((a) => argmax(actions[a]) === this.target);
    const nCorrect = correct.filter(Boolean).length;
    const success = nCorrect === acting.length;
    const reward = denseWeight * (nCorrect / acting.length) + (1 - denseWeight) * (success ? 1 : 0);
    this.t += 1;
    const truncated = this.t >= horizon;
    this.drawTarget(this.rng);
    const result = this.stepResult({
      observation: (a) => this.observe(a),
      reward,
      terminated: false,
      truncated,
      info: (_a, i) => ({ success, correct: correct[i] }),
    });
    if (truncated) this.endEpisode();
    return result;
  }

  /** `[one-hot target (K), one-hot cue of each agent (N*K), t / horizon]`. */
  state(): Float32Array {
    this.assertStarted('state');
    const { nAgents, nOptions, horizon } = this.config;
    const s = new Float32Array(this.stateSpace.flatDim);
    s[this.target] = 1;
    for (let i = 0; i < nAgents; i++) s[nOptions + i * nOptions + this.cues[i]] = 1;
    s[nOptions + nAgents * nOptions] = this.t / horizon;
    return s;
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

  /** Shown in every `InvalidActionError` of this env. */
  protected override actionHint(): string {
    return `Pass ${this.config.nOptions} finite logits (a Float32Array).`;
  }
}
