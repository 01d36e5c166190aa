import type { EnsembleDecodingEnv } from '../../envs/EnsembleDecodingEnv.js';
import type { WeightTrace } from '../../viz/weightHeatmapSpec.js';

/** What a chooser sees at each step of an evaluation episode. */
export interface ChooserContext {
  readonly env: EnsembleDecodingEnv;
  /** Step index within the episode (0 at the first span). */
  readonly step: number;
  /** Answer text decoded so far. */
  readonly text: string;
}

/** Picks every agent's action for one step (a trained policy, fixed weights, an oracle, ...). */
export type ActionChooser = (observations: Record<string, Float32Array>, ctx: ChooserContext) => Record<string, Float32Array>;

/** One evaluated episode. */
export interface EpisodeOutcome {
  readonly itemIndex: number;
  readonly prompt: string;
  readonly answer: string;
  readonly prediction: string;
  readonly score: number;
}

/** Accuracy and speed of one chooser over a set of items. */
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
  /** Episode seed (only matters for sampled decoding; default 0). */
  readonly seed?: number;
  /** Called after each episode with the number done so far. */
  readonly onEpisode?: (done: number, total: number, accuracy: number) => void;
}

/**
 * Runs one episode per item with `choose` picking the actions and returns accuracy, tokens/s, wall
 * time and, for the first items, the weights used per span.
 */
export async function evaluateDecoding(env: EnsembleDecodingEnv, choose: ActionChooser, opts: EvaluateOptions = {}): Promise<DecodingEvalResult> {
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
    let step = 0;
    let last: Record<string, unknown> = {};
    while (env.agents.length > 0) {
      const actions = choose(observations, { env, step, text: env.text });
      const res = await env.step(actions);
      observations = res.observations;
      last = res.infos[env.possibleAgents[0]];
      weights.push(last.weights as number[]);
      spanTexts.push(last.spanText as string);
      step++;
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
