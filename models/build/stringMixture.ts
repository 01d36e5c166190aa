import type { NextTokenScorer } from './NextTokenScorer.js';

/** Next-character distribution of one model: character → probability (sums to 1). */
export type CharDistribution = Map<string, number>;

/** Character standing for "the model ends the sequence" (EOS): the task's end-of-answer marker. */
export const END_CHAR = '\n';

/**
 * Token paths below these probabilities are not expanded (they cannot move a greedy choice). A mixture can
 * lead a model onto text it finds nearly impossible; then the next, lower threshold is tried.
 */
const PATH_MIN = [1e-5, 1e-12, 0] as const;

/** Text each token contributes inside a sequence (markers turned into spaces, bytes decoded); EOS → END_CHAR. */
export function tokenSurfaces(m: NextTokenScorer): string[] {
  const dec = new TextDecoder();
  const out: string[] = [];
  for (let id = 0; id < m.tokenizer.vocabSize; id++) {
    out.push(id === m.tokenizer.specialTokens.eos ? END_CHAR : dec.decode(m.tokenizer.tokenBytes(id)));
  }
  return out;
}

/**
 * Next-character distributions of one model, computed from its token distributions. Given the prompt
 * (always a token boundary: the task guarantees it, and the models never learned to predict prompt
 * tokens) and the answer so far, it sums over every token path that spells the answer so far and then
 * continues with character c: P(c) ∝ Σ_paths Π p(token), expanding paths depth first and pruning those
 * below PATH_MIN. Any tokenization counts, not only the canonical one, so a model whose tokenizer would
 * merge the answer differently (`Ġaa` + `ce` vs `Ġa` + `ace`) is still scored fairly. Forward passes are
 * memoised by token prefix, so decoding character by character costs about one pass per new token.
 */
export class CharModel {
  private readonly cache = new Map<string, CharDistribution>();
  private readonly logprobCache = new Map<string, Float32Array>();
  private readonly surfaces: string[];

  /** Wraps a scorer; token surfaces are computed once. */
  constructor(readonly scorer: NextTokenScorer) {
    this.surfaces = tokenSurfaces(scorer);
  }

  private async logprobs(ids: readonly number[]): Promise<Float32Array> {
    const key = ids.join(',');
    let lp = this.logprobCache.get(key);
    if (!lp) {
      lp = await this.scorer.logprobs(ids);
      this.logprobCache.set(key, lp);
    }
    return lp;
  }

  /** Distribution of the character that follows `prompt + answer`. */
  async next(prompt: string, answer: string): Promise<CharDistribution> {
    const key = `${prompt}\u0000${answer}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const dist: CharDistribution = new Map();
    let total = 0;
    let min: number = PATH_MIN[0];
    const explore = async (ids: number[], rest: string, prob: number): Promise<void> => {
      const lp = await this.logprobs(ids);
      for (let id = 0; id < lp.length && id < this.surfaces.length; id++) {
        const s = this.surfaces[id];
        const p = prob * Math.exp(lp[id]);
        if (p <= 0 || p < min || s.length === 0) continue;
        if (s.length > rest.length && s.startsWith(rest)) {
          const c = s[rest.length];
          dist.set(c, (dist.get(c) ?? 0) + p);
          total += p;
        } else if (s.length <= rest.length && rest.startsWith(s) && s !== END_CHAR) {
          await explore([...ids, id], rest.slice(s.length), p);
        }
      }
    };
    const start = this.scorer.tokenizer.encode(prompt);
    for (const m of PATH_MIN) {
      min = m;
      await explore(start, answer, 1);
      if (total > 0) break;
    }
    if (total <= 0) throw new Error(`${this.scorer.name}: no token path spells ${JSON.stringify(answer)} after ${JSON.stringify(prompt)}`);
    for (const [c, p] of dist) dist.set(c, p / total);
    this.cache.set(key, dist);
    return dist;
  }
}

/** Mixing weights for the next character, given the answer decoded so far. */
export type WeightSchedule = (answerPrefix: string) => readonly number[];

/**
 * Greedy decoding of a weighted mixture at the character level: at each step the next character is the
 * argmax of Σ_i w_i·P_i(c | text) (ties go to the smaller code point), until END_CHAR or `maxChars`.
 */
export async function decodeMixture(models: readonly CharModel[], prompt: string, weights: WeightSchedule, maxChars: number): Promise<string> {
  let answer = '';
  while (answer.length < maxChars) {
    const w = weights(answer);
    const mix = new Map<string, number>();
    for (let i = 0; i < models.length; i++) {
      if (w[i] <= 0) continue;
      for (const [c, p] of await models[i].next(prompt, answer)) mix.set(c, (mix.get(c) ?? 0) + w[i] * p);
    }
    if (mix.size === 0) throw new Error(`no model has positive weight after ${JSON.stringify(answer)} (weights ${w.join(', ')})`);
    let best = '';
    let bestP = -1;
    for (const [c, p] of mix)
      if (p > bestP || (p === bestP && c < best)) {
        best = c;
        bestP = p;
      }
    answer += best;
    if (best === END_CHAR) break;
  }
  return answer;
}
