import { Box, Discrete, Simplex, type Space } from '../../src/core/spaces.js';
import { Rng } from '../../src/core/Rng.js';
import type { HasGlobalState, ParallelEnv, ResetOptions, ResetResult, StepResult } from '../../src/core/ParallelEnv.js';

/**
 * Two agents see a target in 0..k-1 (one-hot) and both must pick it; one-step episodes, team reward
 * 1 on success. With `simplex` actions the reward is the product of the weights put on the target.
 */
export class TinyCoordinationEnv implements ParallelEnv<Float32Array, unknown, string>, HasGlobalState {
  readonly possibleAgents = ['a0', 'a1'] as const;
  agents: string[] = [];
  readonly metadata = { name: 'TinyCoordination', renderModes: [], autoreset: 'none' as const };
  readonly stateSpace: Box;
  private readonly obsSpace: Box;
  private readonly actSpace: Space<unknown>;
  private rng = new Rng(0);
  private target = 0;
  private t = 0;

  constructor(
    readonly k = 3,
    readonly simplex = false,
    readonly horizon = 1,
  ) {
    this.obsSpace = new Box(0, 1, [k]);
    this.stateSpace = new Box(0, 1, [k + 1]);
    this.actSpace = simplex ? new Simplex(k) : new Discrete(k);
  }
  observationSpace(): Box {
    return this.obsSpace;
  }
  actionSpace(): Space<unknown> {
    return this.actSpace;
  }
  state(): Float32Array {
    const s = new Float32Array(this.k + 1);
    s[this.target] = 1;
    s[this.k] = this.t / this.horizon;
    return s;
  }
  private obs(): Record<string, Float32Array> {
    const o = new Float32Array(this.k);
    o[this.target] = 1;
    return { a0: o, a1: o.slice() };
  }
  async reset(opts: ResetOptions = {}): Promise<ResetResult<Float32Array, string>> {
    if (opts.seed !== undefined) this.rng = new Rng(opts.seed);
    this.agents = [...this.possibleAgents];
    this.target = this.rng.int(this.k);
    this.t = 0;
    return { observations: this.obs(), infos: { a0: {}, a1: {} } };
  }
  async step(actions: Record<string, unknown>): Promise<StepResult<Float32Array, string>> {
    const pick = (a: unknown) => (this.simplex ? (a as Float32Array) : null);
    let reward: number;
    let success: boolean;
    if (this.simplex) {
      const w0 = pick(actions.a0)!,
        w1 = pick(actions.a1)!;
      reward = w0[this.target] * w1[this.target];
      const argmax = (w: Float32Array) => w.indexOf(Math.max(...w));
      success = argmax(w0) === this.target && argmax(w1) === this.target;
    } else {
      success = actions.a0 === this.target && actions.a1 === this.target;
      reward = success ? 1 : 0;
    }
    this.t += 1;
    const done = this.t >= this.horizon;
    if (!done) this.target = this.rng.int(this.k);
    if (done) this.agents = [];
    const b = { a0: done, a1: done };
    return {
      observations: this.obs(),
      rewards: { a0: reward, a1: reward },
      terminations: b,
      truncations: { a0: false, a1: false },
      infos: { a0: { success }, a1: { success } },
    };
  }
  async close(): Promise<void> {}
}
