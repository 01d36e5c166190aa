import { ConfigError } from '../../core/errors.js';
import { nullRecord } from '../../core/nullRecord.js';
import { putOwn } from '../../core/putOwn.js';
import {
  hasGlobalState,
  type AgentRecord,
  type EnvMetadata,
  type Info,
  type ParallelEnv,
  type ResetOptions,
  type ResetResult,
  type StepResult,
} from '../../core/ParallelEnv.js';
import type { Box, Space } from '../../core/spaces.js';

/** What an agent's info carries under `episode` in the step where that agent's episode ends. */
export interface EpisodeStatistics {
  /** Sum of the agent's rewards over the episode. */
  readonly return: number;
  /** Number of steps the agent acted in. */
  readonly length: number;
  /** The agent's final `infos[agent].success`, when the env reports one. */
  readonly success?: boolean;
}

/** Running summary over the last `bufferLength` finished episodes. */
export interface EpisodeSummary {
  /** Finished episodes since construction (not capped by the buffer). */
  readonly episodes: number;
  /** Mean team return (per episode: the mean of the agents' returns). */
  readonly meanReturn: number;
  /** Mean episode length in steps. */
  readonly meanLength: number;
  /** Fraction of successful episodes among those that reported success; undefined if none did. */
  readonly successRate: number | undefined;
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

/**
 * Gymnasium's RecordEpisodeStatistics for ParallelEnvs: adds `episode: { return, length, success? }`
 * to an agent's info in the step where it terminates or truncates, and keeps the team return, length
 * and success of the last `bufferLength` episodes (an episode is finished when no agent is live).
 * Infos are copied, never mutated. Forwards `state()` when the wrapped env has a global state.
 */
export class RecordEpisodeStatistics<Obs, Act, Agent extends string> implements ParallelEnv<Obs, Act, Agent> {
  /** Team returns of the last `bufferLength` finished episodes, oldest first. */
  readonly episodeReturns: number[] = [];
  /** Lengths of the last `bufferLength` finished episodes, oldest first. */
  readonly episodeLengths: number[] = [];
  /** Success of the last `bufferLength` finished episodes (undefined where the env reported none). */
  readonly episodeSuccesses: (boolean | undefined)[] = [];
  /** Finished episodes since construction. */
  episodeCount = 0;
  /** Present when the wrapped env has a global state (MAPPO). */
  readonly stateSpace?: Box;
  /** Global state of the wrapped env, when it has one. */
  readonly state?: () => Float32Array;
  // Prototype-less: an agent may be named `constructor` or `__proto__`.
  private returns = nullRecord<Agent, number>();
  private lengths = nullRecord<Agent, number>();
  private finished: EpisodeStatistics[] = [];

  /** Wraps `env`, keeping statistics of the last `bufferLength` (default 100) episodes. */
  constructor(
    readonly env: ParallelEnv<Obs, Act, Agent>,
    readonly bufferLength = 100,
  ) {
    if (!Number.isInteger(bufferLength) || bufferLength < 1)
      throw new ConfigError('bufferLength', `must be a positive integer, got ${bufferLength}`, 'Pass 1 or more (default 100).');
    if (hasGlobalState(env)) {
      this.stateSpace = env.stateSpace;
      this.state = () => env.state();
    }
  }

  /** The wrapped env's possible agents. */
  get possibleAgents(): readonly Agent[] {
    return this.env.possibleAgents;
  }

  /** The wrapped env's live agents. */
  get agents(): readonly Agent[] {
    return this.env.agents;
  }

  /** The wrapped env's metadata. */
  get metadata(): EnvMetadata {
    return this.env.metadata;
  }

  /** The wrapped env's observation space. */
  observationSpace(agent: Agent): Space<Obs> {
    return this.env.observationSpace(agent);
  }

  /** The wrapped env's action space. */
  actionSpace(agent: Agent): Space<Act> {
    return this.env.actionSpace(agent);
  }

  /** Resets the wrapped env and starts counting from zero (an unfinished episode is dropped). */
  async reset(opts?: ResetOptions): Promise<ResetResult<Obs, Agent>> {
    const r = await this.env.reset(opts);
    this.returns = nullRecord<Agent, number>();
    this.lengths = nullRecord<Agent, number>();
    this.finished = [];
    return r;
  }

  /** Steps the wrapped env, accumulating returns and adding `episode` to the infos of agents that finish. */
  async step(actions: AgentRecord<Agent, Act>): Promise<StepResult<Obs, Agent>> {
    const r = await this.env.step(actions);
    const infos = { ...r.infos };
    for (const a of Object.keys(r.rewards) as Agent[]) {
      this.returns[a] = (this.returns[a] ?? 0) + r.rewards[a];
      this.lengths[a] = (this.lengths[a] ?? 0) + 1;
      if (r.terminations[a] || r.truncations[a]) {
        const success = r.infos[a]?.success;
        const episode: EpisodeStatistics = { return: this.returns[a], length: this.lengths[a], ...(typeof success === 'boolean' ? { success } : {}) };
        this.finished.push(episode);
        putOwn(infos, a, { ...r.infos[a], episode } as Info);
      }
    }
    if (this.env.agents.length === 0 && this.finished.length > 0) this.record(this.finished);
    return { ...r, infos };
  }

  /** Mean return, length and success rate over the buffered episodes (NaN means before any episode). */
  summary(): EpisodeSummary {
    const reported = this.episodeSuccesses.filter((s): s is boolean => s !== undefined);
    return {
      episodes: this.episodeCount,
      meanReturn: mean(this.episodeReturns),
      meanLength: mean(this.episodeLengths),
      successRate: reported.length === 0 ? undefined : reported.filter(Boolean).length / reported.length,
    };
  }

  /** Closes the wrapped env. */
  close(): Promise<void> {
    return this.env.close();
  }

  private record(agentsStats: readonly EpisodeStatistics[]): void {
    const successes = agentsStats.map((s) => s.success);
    this.push(this.episodeReturns, mean(agentsStats.map((s) => s.return)));
    this.push(this.episodeLengths, Math.max(...agentsStats.map((s) => s.length)));
    this.push(this.episodeSuccesses, successes.every((s) => s !== undefined) ? successes.every(Boolean) : undefined);
    this.episodeCount += 1;
    this.finished = [];
  }

  private push<T>(buf: T[], x: T): void {
    buf.push(x);
    if (buf.length > this.bufferLength) buf.shift();
  }
}
