import type { ParallelEnv } from '../../core/ParallelEnv.js';

/** Picks every live agent's action from the observations (a trained policy or fixed weights). */
export type AnswerChooser = (observations: Record<string, Float32Array>) => Record<string, Float32Array | Uint8Array>;

/** Accuracy of one chooser over the items of an answer env's split. */
export interface AnswerEvalResult {
  readonly accuracy: number;
  readonly meanReturn: number;
  readonly episodes: number;
  /** Mean number of models the fused answer used (FocalEnv's sub-ensemble size; N for plain fusion). */
  readonly meanSize: number;
  readonly wallSeconds: number;
  /** `correct[i]`: 1 when item i (in split order) was answered right. */
  readonly correct: Uint8Array;
  /** How many items included each model (agent order of `infos.selection`; every model for plain fusion). */
  readonly selectionCounts: number[];
}

/**
 * Plays each of the first `numItems` items of the env's split once, in order (`itemIndex`), and
 * reports the share whose final `infos[agent].correct` is true (AnswerEnsembleEnv and FocalEnv).
 */
export async function evaluateAnswers(
  env: ParallelEnv<Float32Array, unknown>,
  choose: AnswerChooser,
  numItems: number,
  seed = 0,
  stride = 1,
): Promise<AnswerEvalResult> {
  let correct = 0;
  let ret = 0;
  let size = 0;
  const hits = new Uint8Array(numItems);
  const counts: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < numItems; i++) {
    let { observations } = await env.reset({ seed, options: { itemIndex: i * stride } });
    let info: Record<string, unknown> = {};
    while (env.agents.length > 0) {
      const res = await env.step(choose(observations));
      const agents = Object.keys(res.rewards);
      ret += agents.reduce((s, a) => s + res.rewards[a], 0) / Math.max(1, agents.length);
      info = res.infos[agents[0]];
      observations = res.observations;
    }
    if (info.correct === true) {
      correct++;
      hits[i] = 1;
    }
    size += typeof info.size === 'number' ? info.size : env.possibleAgents.length;
    const sel = Array.isArray(info.selection) ? (info.selection as number[]) : null;
    const width = sel ? sel.length : env.possibleAgents.length;
    for (let m = 0; m < width; m++) counts[m] = (counts[m] ?? 0) + (sel ? sel[m] : 1);
  }
  const n = Math.max(1, numItems);
  return {
    accuracy: correct / n,
    meanReturn: ret / n,
    episodes: numItems,
    meanSize: size / n,
    wallSeconds: (performance.now() - t0) / 1000,
    correct: hits,
    selectionCounts: counts,
  };
}
