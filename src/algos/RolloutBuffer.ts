import { computeGae } from './gae.js';

/** Widths of one parameter group's rows in the buffer. */
export interface BufferGroupLayout {
  /** Agents (learners) in the group; rows are ordered (step, env, member). */
  readonly members: number;
  readonly actorIn: number;
  readonly criticIn: number;
  /** Raw action floats (what log-probs refer to). */
  readonly actDim: number;
}

/** One group's storage: flat typed arrays indexed by row `(t * numEnvs + e) * members + j`. */
export interface BufferGroup {
  readonly layout: BufferGroupLayout;
  readonly actorIn: Float32Array;
  readonly criticIn: Float32Array;
  readonly raw: Float32Array;
  readonly logp: Float32Array;
  /** Critic outputs as predicted (normalised space when ValueNorm is on). */
  readonly vpred: Float32Array;
  readonly reward: Float64Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** V(final observation), denormalised, on truncated steps. */
  readonly finalValue: Float64Array;
  advantages: Float64Array;
  returns: Float64Array;
}

/** A packed minibatch source: `[N, W]` rows of every group's members side by side (see `RolloutBuffer.pack`). */
export interface PackedBatch {
  readonly data: Float32Array;
  readonly rows: number;
  readonly width: number;
  /** Columns of each group's block (`members × (actorIn + criticIn + actDim + 4)`). */
  readonly widths: readonly number[];
}

/**
 * [ppo] shared rollout buffer for PPO, IPPO and MAPPO over vectorised env copies: one storage per
 * parameter group with rows ordered (step, env, member), GAE per (env, member) stream, and packing
 * into one matrix so the update does one gather per epoch.
 */
export class RolloutBuffer {
  readonly groups: BufferGroup[];

  /** Allocates `numSteps × numEnvs` rows per group member. */
  constructor(
    layouts: readonly BufferGroupLayout[],
    readonly numSteps: number,
    readonly numEnvs: number,
  ) {
    this.groups = layouts.map((layout) => {
      const n = numSteps * numEnvs * layout.members;
      return {
        layout,
        actorIn: new Float32Array(n * layout.actorIn),
        criticIn: new Float32Array(n * layout.criticIn),
        raw: new Float32Array(n * layout.actDim),
        logp: new Float32Array(n),
        vpred: new Float32Array(n),
        reward: new Float64Array(n),
        terminated: new Uint8Array(n),
        truncated: new Uint8Array(n),
        finalValue: new Float64Array(n),
        advantages: new Float64Array(n),
        returns: new Float64Array(n),
      };
    });
  }

  /** Row index of (step t, env e, member j) in group `g`. */
  row(g: number, t: number, e: number, j: number): number {
    return (t * this.numEnvs + e) * this.groups[g].layout.members + j;
  }

  /**
   * Stores what the policy saw and did at step `t` for all envs and members of group `g` (rows in (env,
   * member) order); without `vpred` the critic outputs are left for the caller to write into `vpred`.
   */
  storeStep(g: number, t: number, x: { actorIn: Float32Array; criticIn: Float32Array; raw: Float32Array; logp: Float32Array; vpred?: Float32Array }): void {
    const b = this.groups[g];
    const base = t * this.numEnvs * b.layout.members;
    b.actorIn.set(x.actorIn, base * b.layout.actorIn);
    b.criticIn.set(x.criticIn, base * b.layout.criticIn);
    b.raw.set(x.raw, base * b.layout.actDim);
    b.logp.set(x.logp, base);
    if (x.vpred) b.vpred.set(x.vpred, base);
  }

  /** Stores the outcome of step `t` in env `e` for member `j` of group `g`. */
  storeOutcome(g: number, t: number, e: number, j: number, reward: number, terminated: boolean, truncated: boolean): void {
    const r = this.row(g, t, e, j);
    const b = this.groups[g];
    b.reward[r] = reward;
    b.terminated[r] = terminated ? 1 : 0;
    b.truncated[r] = truncated ? 1 : 0;
  }

  /** Stores V(final observation) (denormalised) for a truncated step. */
  storeFinalValue(g: number, t: number, e: number, j: number, value: number): void {
    this.groups[g].finalValue[this.row(g, t, e, j)] = value;
  }

  /**
   * GAE for every (env, member) stream of group `g`; `denorm` maps stored predictions to value scale and
   * `nextValues[e * members + j]` is V(s_T) (denormalised). Fills `advantages` and `returns`.
   */
  computeReturns(g: number, nextValues: ArrayLike<number>, denorm: (v: number) => number, gamma: number, lambda: number): void {
    const b = this.groups[g];
    const m = b.layout.members;
    const T = this.numSteps;
    for (let e = 0; e < this.numEnvs; e++) {
      for (let j = 0; j < m; j++) {
        const idx = Array.from({ length: T }, (_, t) => this.row(g, t, e, j));
        const res = computeGae({
          rewards: idx.map((r) => b.reward[r]),
          values: idx.map((r) => denorm(b.vpred[r])),
          terminated: idx.map((r) => b.terminated[r]),
          truncated: idx.map((r) => b.truncated[r]),
          finalValues: idx.map((r) => b.finalValue[r]),
          nextValue: nextValues[e * m + j],
          gamma,
          lambda,
        });
        idx.forEach((r, t) => {
          b.advantages[r] = res.advantages[t];
          b.returns[r] = res.returns[t];
        });
      }
    }
  }

  /**
   * Packs every group into one `[numSteps·numEnvs, W]` matrix; per member the columns are
   * `[actorIn | criticIn | raw | logp | advantage | target | vpred]`, `target(g, r)` giving the regression target.
   */
  pack(target: (g: number, row: number) => number): PackedBatch {
    const N = this.numSteps * this.numEnvs;
    const widths = this.groups.map((b) => b.layout.members * (b.layout.actorIn + b.layout.criticIn + b.layout.actDim + 4));
    const W = widths.reduce((a, b) => a + b, 0);
    const data = new Float32Array(N * W);
    let colBase = 0;
    this.groups.forEach((b, g) => {
      const { members: m, actorIn: aIn, criticIn: cIn, actDim } = b.layout;
      const C = aIn + cIn + actDim + 4;
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < m; j++) {
          const r = i * m + j;
          let o = i * W + colBase + j * C;
          data.set(b.actorIn.subarray(r * aIn, (r + 1) * aIn), o);
          o += aIn;
          data.set(b.criticIn.subarray(r * cIn, (r + 1) * cIn), o);
          o += cIn;
          data.set(b.raw.subarray(r * actDim, (r + 1) * actDim), o);
          o += actDim;
          data[o] = b.logp[r];
          data[o + 1] = b.advantages[r];
          data[o + 2] = target(g, r);
          data[o + 3] = b.vpred[r];
        }
      }
      colBase += widths[g];
    });
    return { data, rows: N, width: W, widths };
  }
}
