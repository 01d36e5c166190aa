import type { Info } from '../core/ParallelEnv.js';
import type { VectorStepResult } from '../envs/VectorEnv.js';
import type { RolloutCallback } from './RolloutCallback.js';

/**
 * The ensemble envs' mixing weights over a rollout: the mean of `infos[agent].weights` (agent order, as
 * the answer and decoding envs report them) over every copy and step that reported one, as
 * `meanWeights` (null when none did).
 */
export class MixingWeightsCallback implements RolloutCallback {
  private sum: Float64Array | null = null;
  private count = 0;

  /** Starts a new mean. */
  onRolloutStart(): void {
    this.sum = null;
    this.count = 0;
  }

  /** Adds the weights each copy reported in this step. */
  onStep(result: VectorStepResult<string>): void {
    for (const infos of result.infos) {
      if (!infos) continue;
      const w = (Object.values(infos)[0] as Info | undefined)?.weights;
      if (!(Array.isArray(w) || w instanceof Float32Array || w instanceof Float64Array)) continue;
      const ws = w as ArrayLike<number>;
      this.sum ??= new Float64Array(ws.length);
      if (ws.length !== this.sum.length) continue;
      for (let i = 0; i < ws.length; i++) this.sum[i] += ws[i];
      this.count += 1;
    }
  }

  /** `{ meanWeights }` of the rollout. */
  metrics(): { meanWeights: number[] | null } {
    const { sum, count } = this;
    return { meanWeights: sum && count ? Array.from(sum, (x) => x / count) : null };
  }
}
