import { Rng } from '../core/Rng.js';
import type { Info } from '../core/ParallelEnv.js';
import { MlpActorCritic } from '../agents/MlpActorCritic.js';
import type { VectorEnv, VectorResetResult } from '../envs/VectorEnv.js';
import { agentRecord } from './agentRecord.js';
import type { AgentView } from './AgentView.js';
import type { RolloutBuffer } from './RolloutBuffer.js';
import type { RolloutCallback } from './RolloutCallback.js';

/** One env copy's in-progress episode: enough to replay it exactly from its seed after a resume. */
export interface EpisodeRecord {
  readonly index: number;
  readonly seed: number;
  /** Raw actions per step, per learner. */
  readonly actions: number[][][];
  readonly ret: number;
  readonly length: number;
}

/** Episode statistics and action means of one rollout. */
export interface RolloutStats {
  /** Team return (per step: mean over learners) and length of each episode that ended. */
  readonly episodeReturns: number[];
  readonly episodeLengths: number[];
  /** Ended episodes whose final infos carried `success`, and how many of them succeeded. */
  readonly successKnown: number;
  readonly successes: number;
  /** Mean of each agent's float-vector env actions over the rollout. */
  readonly meanAction: Record<string, number[]>;
}

/** Maps a group's stored (normalised) value predictions to value scale. */
export type Denormalize = (group: number, values: Float32Array) => Float32Array;

interface Episode {
  index: number;
  seed: number;
  actions: number[][][];
  ret: number;
  length: number;
}

/**
 * [ppo] rollout collection over a `VectorEnv` in `'disabled'` autoreset mode: per step one actor forward
 * per parameter group for every copy and member at once (the policy's JS path) and one vector step, then
 * the ended copies are reset together, each episode with its own seed (derived from the run seed, the
 * copy and the episode number), which is what makes a resumed run replay exactly. The critic runs once
 * per group over the whole rollout's stored inputs at the end.
 */
export class RolloutCollector {
  private obs: Record<string, Float32Array> = agentRecord();
  private readonly episodes: Episode[];
  private readonly learnerIndex: Map<string, number>;
  private started = false;

  /** Collects from `vec` (autoreset 'disabled') with `policy`; MAPPO's critic reads `vec.states()` when `useState`. */
  constructor(
    readonly vec: VectorEnv<string>,
    readonly view: AgentView,
    readonly policy: MlpActorCritic,
    readonly useState: boolean,
    private readonly seed: number,
    private readonly callbacks: readonly RolloutCallback[],
  ) {
    this.episodes = Array.from({ length: vec.numEnvs }, () => ({ index: 0, seed: 0, actions: [], ret: 0, length: 0 }));
    this.learnerIndex = new Map(view.learners.map((l, i) => [l, i]));
  }

  /** Seed of copy `e`'s episode number `episode`. */
  episodeSeed(e: number, episode: number): number {
    return new Rng(`${this.seed}/env/${e}/${episode}`).int(2 ** 31);
  }

  /** Resets the copies where `mask` is set (all when null) to start episode `indices[e]`, and merges their rows into the current observations. */
  private async startEpisodes(indices: readonly number[], mask: Uint8Array | null): Promise<void> {
    const seeds = indices.map((index, e) => this.episodeSeed(e, index));
    const r = await this.vec.reset(mask ? { seed: seeds, mask } : { seed: seeds });
    this.merge(r, mask);
    for (let e = 0; e < this.vec.numEnvs; e++) if (!mask || mask[e]) this.episodes[e] = { index: indices[e], seed: seeds[e], actions: [], ret: 0, length: 0 };
  }

  /** Copies the rows of `r` where `mask` is set (all when null) into the current observations. */
  private merge(r: VectorResetResult<string>, mask: Uint8Array | null): void {
    for (const a of this.vec.possibleAgents) {
      if (!mask || this.obs[a] === undefined) {
        this.obs[a] = r.observations[a];
        continue;
      }
      const dim = this.vec.observationSpace(a).flatDim;
      for (let e = 0; e < mask.length; e++) if (mask[e]) this.obs[a].set(r.observations[a].subarray(e * dim, (e + 1) * dim), e * dim);
    }
  }

  /** Actor input rows of group `g` (copies × members, member one-hot appended when shared). */
  private actorRows(g: number, learnerObs: Record<string, Float32Array>, rows: number): Float32Array {
    const grp = this.policy.groups[g];
    const members = grp.spec.members;
    if (members.length === 1) return learnerObs[members[0]];
    return MlpActorCritic.withMemberOneHot(
      members.map((m) => learnerObs[m]),
      rows,
      grp.spec.obsDim,
    );
  }

  /** Critic input rows of group `g`: its actor rows, or every copy's global state per member. */
  private criticRows(g: number, actorRows: Float32Array, states: Float32Array | null, rows: number): Float32Array {
    if (!states) return actorRows;
    const grp = this.policy.groups[g];
    return grp.spec.members.length === 1
      ? states
      : MlpActorCritic.withMemberOneHot(
          grp.spec.members.map(() => states),
          rows,
          grp.spec.criticDim,
        );
  }

  /** Values (value scale) of every learner for the current observations: `[group][copy * members + member]`. */
  values(denormalize: Denormalize, obs: Record<string, Float32Array> = this.obs): Float32Array[] {
    const E = this.vec.numEnvs;
    const learnerObs = this.view.observeRows(obs, E);
    const states = this.useState ? this.vec.states() : null;
    return this.policy.groups.map((grp, g) => {
      const rows = this.criticRows(g, this.actorRows(g, learnerObs, E), states, E);
      return denormalize(g, this.policy.valueBatch(g, rows, E * grp.spec.members.length));
    });
  }

  /** Fills `buf` with `buf.numSteps` steps of every copy, sampling with `rng`; returns the rollout's episode statistics. */
  async collect(buf: RolloutBuffer, rng: Rng, denormalize: Denormalize): Promise<RolloutStats> {
    const { vec, view, policy } = this;
    const E = vec.numEnvs;
    if (!this.started) await this.start();
    for (const cb of this.callbacks) cb.onRolloutStart?.();
    const episodeReturns: number[] = [];
    const episodeLengths: number[] = [];
    let successes = 0;
    let successKnown = 0;
    const actionSums = agentRecord<{ sum: Float64Array; n: number }>();
    const agents = vec.possibleAgents;
    for (let t = 0; t < buf.numSteps; t++) {
      const learnerObs = view.observeRows(this.obs, E);
      const states = this.useState ? vec.states() : null;
      const learnerActions = Array.from({ length: E }, () => agentRecord<unknown>());
      const learnerRaw: number[][][] = Array.from({ length: E }, () => []);
      policy.groups.forEach((grp, g) => {
        const members = grp.spec.members;
        const m = members.length;
        const rows = E * m;
        const actorIn = this.actorRows(g, learnerObs, E);
        const criticIn = this.criticRows(g, actorIn, states, E);
        const { raw, logProb } = policy.actBatch(g, actorIn, rows, rng);
        // critic outputs are not needed while acting: all steps' are computed in one batch after the loop
        buf.storeStep(g, t, { actorIn, criticIn, raw, logp: logProb });
        const d = grp.head.dim;
        for (let e = 0; e < E; e++) {
          for (let j = 0; j < m; j++) {
            const r = e * m + j;
            learnerActions[e][members[j]] = grp.head.toEnvAction(raw, r);
            learnerRaw[e][this.learnerIndex.get(members[j])!] = Array.from(raw.subarray(r * d, (r + 1) * d));
          }
        }
      });
      const rows = this.actionRows(learnerActions, actionSums);
      const res = await vec.step(rows);
      for (const cb of this.callbacks) cb.onStep?.(res);
      const ended = new Uint8Array(E);
      const truncatedEnd = new Uint8Array(E);
      for (let e = 0; e < E; e++) {
        const ep = this.episodes[e];
        ep.actions.push(learnerRaw[e]);
        const rewards = view.rewardRow(res.rewards, e);
        let terminated = false,
          truncFlag = false,
          live = false;
        for (const a of agents) {
          terminated ||= res.terminations[a][e] === 1;
          truncFlag ||= res.truncations[a][e] === 1;
          live ||= res.active[a][e] === 1;
        }
        const truncated = !terminated && (truncFlag || !live);
        policy.groups.forEach((grp, g) => {
          grp.spec.members.forEach((l, j) => buf.storeOutcome(g, t, e, j, rewards[l] ?? 0, terminated, truncated));
        });
        let team = 0;
        for (const l of view.learners) team += rewards[l] ?? 0;
        ep.ret += team / view.learners.length;
        ep.length += 1;
        if (terminated || truncated) {
          ended[e] = 1;
          truncatedEnd[e] = truncated ? 1 : 0;
          episodeReturns.push(ep.ret);
          episodeLengths.push(ep.length);
          const s = successOf(res.infos[e]);
          if (s !== null) {
            successKnown += 1;
            successes += s ? 1 : 0;
          }
        }
      }
      // rows of ended copies hold their final observation until they are reset below
      this.obs = res.observations;
      if (truncatedEnd.some(Boolean)) {
        // [ppo] truncation bootstrap: V(final observation) stands in for the cut-off future
        const v = this.values(denormalize);
        policy.groups.forEach((grp, g) => {
          const m = grp.spec.members.length;
          for (let e = 0; e < E; e++) if (truncatedEnd[e]) for (let j = 0; j < m; j++) buf.storeFinalValue(g, t, e, j, v[g][e * m + j]);
        });
      }
      if (ended.some(Boolean))
        await this.startEpisodes(
          this.episodes.map((ep) => ep.index + 1),
          ended,
        );
    }
    // the weights do not change during a rollout and every row of a forward is computed on its own, so
    // one forward over the stored critic inputs gives each step's value exactly as a per-step forward would
    policy.groups.forEach((grp, g) => {
      const b = buf.groups[g];
      b.vpred.set(policy.valueBatch(g, b.criticIn, buf.numSteps * E * grp.spec.members.length));
    });
    const meanAction = agentRecord<number[]>();
    for (const a of Object.keys(actionSums)) meanAction[a] = Array.from(actionSums[a].sum, (x) => x / actionSums[a].n);
    return { episodeReturns, episodeLengths, successKnown, successes, meanAction };
  }

  /** Starts episode 0 of every copy (before the first rollout). */
  async start(): Promise<void> {
    await this.startEpisodes(
      this.episodes.map(() => 0),
      null,
    );
    this.started = true;
  }

  /** The env action rows (per agent, row e = copy e) of the learners' actions; adds float actions to `sums` when given. */
  private actionRows(
    learnerActions: readonly Record<string, unknown>[],
    sums?: Record<string, { sum: Float64Array; n: number }>,
  ): Record<string, Float32Array> {
    const { vec, view } = this;
    const E = vec.numEnvs;
    const rows = agentRecord<Float32Array>();
    for (const a of vec.possibleAgents) rows[a] = new Float32Array(E * vec.actionSpace(a).flatDim);
    for (let e = 0; e < E; e++) {
      const envActions = view.toEnvActions(learnerActions[e]);
      for (const a of vec.possibleAgents) {
        const act = envActions[a];
        const space = vec.actionSpace(a);
        space.flatten(act, rows[a], e * space.flatDim);
        if (sums && act instanceof Float32Array) {
          const acc = (sums[a] ??= { sum: new Float64Array(act.length), n: 0 });
          for (let i = 0; i < act.length; i++) acc.sum[i] += act[i];
          acc.n += 1;
        }
      }
    }
    return rows;
  }

  /** The in-progress episode of every copy (for checkpoints). */
  episodeRecords(): EpisodeRecord[] {
    return this.episodes.map((ep) => ({ index: ep.index, seed: ep.seed, actions: ep.actions, ret: ep.ret, length: ep.length }));
  }

  /**
   * Restarts every copy's episode from its seed and replays its recorded actions (copies step together;
   * one whose record is shorter waits, masked out), so collection continues as if it had never stopped.
   */
  async restore(records: readonly EpisodeRecord[]): Promise<void> {
    const { vec, view, policy } = this;
    const E = vec.numEnvs;
    await this.startEpisodes(
      records.map((r) => r.index),
      null,
    );
    const longest = Math.max(0, ...records.map((r) => r.actions.length));
    for (let k = 0; k < longest; k++) {
      const mask = Uint8Array.from(records, (r) => (k < r.actions.length ? 1 : 0));
      const learnerActions = Array.from({ length: E }, () => agentRecord<unknown>());
      for (let e = 0; e < E; e++) {
        if (!mask[e]) {
          // a placeholder row in the action space; masked copies ignore it
          for (const l of view.learners) learnerActions[e][l] = view.actionSpace(l).sample(new Rng(0));
          continue;
        }
        for (const grp of policy.groups) {
          for (const l of grp.spec.members) learnerActions[e][l] = grp.head.toEnvAction(Float32Array.from(records[e].actions[k][this.learnerIndex.get(l)!]), 0);
        }
      }
      const res = await vec.step(this.actionRows(learnerActions), { mask });
      this.merge(res, mask);
    }
    records.forEach((r, e) => (this.episodes[e] = { index: r.index, seed: r.seed, actions: r.actions.map((x) => x), ret: r.ret, length: r.length }));
    this.started = true;
  }
}

function successOf(infos: Record<string, Info> | undefined): boolean | null {
  for (const info of Object.values(infos ?? {})) {
    const s = info?.success;
    if (typeof s === 'boolean') return s;
    if (typeof s === 'number') return s > 0;
  }
  return null;
}
