import { Rng } from '../core/Rng.js';
import type { Info, ParallelEnv } from '../core/ParallelEnv.js';
import type { Policy } from '../agents/Policy.js';

/** Options of `evaluatePolicy`. */
export interface EvaluateOptions {
  readonly episodes?: number;
  /** Seed of the episode seeds and of the policy's sampling. */
  readonly seed?: number;
  /** Act with means/modes (default true). */
  readonly deterministic?: boolean;
}

/** What `evaluatePolicy` measured. */
export interface EvaluationResult {
  readonly episodes: number;
  /** Mean over episodes of the summed team reward (mean over agents per step). */
  readonly meanReturn: number;
  /** Fraction of steps whose infos said `success` (null when no info carried it). */
  readonly stepSuccessRate: number | null;
  /** Fraction of episodes whose final step's infos said `success` (null when no info carried it). */
  readonly successRate: number | null;
}

function success(infos: Record<string, Info>): boolean | null {
  for (const info of Object.values(infos)) {
    const s = info?.success;
    if (typeof s === 'boolean') return s;
    if (typeof s === 'number') return s > 0;
  }
  return null;
}

/** Runs `policy` for whole episodes on `env` (seeded) and reports mean return and success rates. */
export async function evaluatePolicy(policy: Policy, env: ParallelEnv<Float32Array, unknown>, opts: EvaluateOptions = {}): Promise<EvaluationResult> {
  const episodes = opts.episodes ?? 20;
  const rng = new Rng(`${opts.seed ?? 0}/evaluate`);
  let total = 0;
  let stepOk = 0,
    stepKnown = 0,
    epOk = 0,
    epKnown = 0;
  for (let ep = 0; ep < episodes; ep++) {
    let { observations } = await env.reset({ seed: rng.int(2 ** 31) });
    for (;;) {
      const { actions } = policy.act(observations as Record<string, Float32Array>, rng, { deterministic: opts.deterministic ?? true, values: false });
      const res = await env.step(actions as Record<string, unknown>);
      const agents = Object.keys(res.rewards);
      total += agents.reduce((s, a) => s + res.rewards[a], 0) / Math.max(agents.length, 1);
      const s = success(res.infos);
      if (s !== null) {
        stepKnown += 1;
        stepOk += s ? 1 : 0;
      }
      const ended = env.agents.length === 0 || agents.some((a) => res.terminations[a] || res.truncations[a]);
      if (ended) {
        if (s !== null) {
          epKnown += 1;
          epOk += s ? 1 : 0;
        }
        break;
      }
      observations = res.observations;
    }
  }
  return {
    episodes,
    meanReturn: total / episodes,
    stepSuccessRate: stepKnown ? stepOk / stepKnown : null,
    successRate: epKnown ? epOk / epKnown : null,
  };
}
