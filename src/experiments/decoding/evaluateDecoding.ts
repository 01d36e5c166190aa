import { Rng } from '../../core/Rng.js';
import type { Policy } from '../../agents/Policy.js';
import type { EnsembleDecodingEnv } from '../../envs/EnsembleDecodingEnv.js';
import type { WeightTrace } from '../../viz/weightHeatmapSpec.js';

/** One evaluated episode. */
export interface EpisodeOutcome {
  readonly itemIndex: number;
  readonly prompt: string;
  readonly answer: string;
  readonly prediction: string;
  readonly score: number;
}

/** Accuracy and speed of one policy over a set of items. */
export interface DecodingEvalResult {
  /** Mean task score (exact-match accuracy for 0/1 scorers). */
  readonly accuracy: number;
  readonly episodes: number;
  /** Union tokens decoded in total. */
  readonly tokens: number;
  readonly wallSeconds: number;
  readonly tokensPerSecond: number;
  readonly outcomes: readonly EpisodeOutcome[];
  /** Weights per span for the first `traceItems` items (for the heat map). */
  readonly traces: readonly WeightTrace[];
}

/** Options of `evaluateDecoding`. */
export interface EvaluateOptions {
  /** Items to run, by index into `env.items` (default: all). */
  readonly itemIndices?: readonly number[];
  /** How many of the first items keep a weight trace (default 0). */
  readonly traceItems?: number;
  /** Episode seed and seed of the policy's generator (`<seed>/eval`; default 0). */
  readonly seed?: number;
  /** Called after each episode with the number done so far. */
  readonly onEpisode?: (done: number, total: number, accuracy: number) => void;
}

/**
 * Runs one episode per item with `policy` acting deterministically (a trained policy, fixed weights,
 * the segment oracle, ...) and returns accuracy, tokens/s, wall time and, for the first items, the
 * weights used per span.
 */
export async function evaluateDecoding(env: EnsembleDecodingEnv, policy: Policy, opts: EvaluateOptions = {}): Promise<DecodingEvalResult> {
  const rng = new Rng(`${opts.seed ?? 0}/eval`);
  const indices = opts.itemIndices ?? env.items.map((_, i) => i);
  const outcomes: EpisodeOutcome[] = [];
  const traces: WeightTrace[] = [];
  let tokens = 0;
  let scoreSum = 0;
  const t0 = performance.now();
  for (let k = 0; k < indices.length; k++) {
    const itemIndex = indices[k];
    let { observations } = await env.reset({ seed: opts.seed ?? 0, options: { itemIndex } });
    const weights: number[][] = [];
    const spanTexts: string[] = [];
    let last: Record<string, unknown> = {};
    while (env.agents.length > 0) {
      const { actions } = policy.act(observations as Record<string, Float32Array>, rng, { deterministic: true });
      const res = await env.step(actions as Record<string, Float32Array>);
      observations = res.observations;
      last = res.infos[env.possibleAgents[0]];
      weights.push(last.weights as number[]);
      spanTexts.push(last.spanText as string);
    }
    const prediction = last.text as string;
    const score = last.score as number;
    tokens += weights.length === 0 ? 0 : Number(last.unionTokens ?? 0);
    scoreSum += score;
    const item = env.items[itemIndex];
    outcomes.push({ itemIndex, prompt: item.prompt, answer: item.answer, prediction, score });
    if (k < (opts.traceItems ?? 0)) traces.push({ item: item.prompt.trim(), modelIds: env.possibleAgents, weights, spanTexts });
    opts.onEpisode?.(k + 1, indices.length, scoreSum / (k + 1));
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  return {
    accuracy: indices.length === 0 ? 0 : scoreSum / indices.length,
    episodes: indices.length,
    tokens,
    wallSeconds,
    tokensPerSecond: wallSeconds > 0 ? tokens / wallSeconds : 0,
    outcomes,
    traces,
  };
}
