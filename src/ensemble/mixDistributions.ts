import { InvalidActionError } from '../core/errors.js';
import type { TopK } from '../models/ModelAdapter.js';
import type { UnionVocabulary } from './UnionVocabulary.js';

/** One model's next-token distribution: full log-probabilities over its vocabulary, or a top-k summary. */
export type ModelDistribution = Float32Array | TopK;

/** Length of a mixture over `vocab`: one entry per union token plus the tail entry. */
export function mixtureSize(vocab: UnionVocabulary): number {
  return vocab.size + 1;
}

/** Index of the tail entry in a mixture over `vocab` (mass no union token can claim). */
export function tailIndex(vocab: UnionVocabulary): number {
  return vocab.size;
}

let scratch = new Float64Array(0);

/** A reusable buffer of at least `n` floats: the exponentials are computed once per entry without allocating per call. */
function scratchFor(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(n);
  return scratch;
}

/**
 * Σ_i w_i·p_i over the union vocabulary, written into `out` (length `vocab.size + 1`).
 *
 * Each model's distribution is normalised to total mass 1 before weighting, so float32 rounding in
 * the inputs cannot leak into the sum. Mass that belongs to no union token is kept on the tail
 * entry `out[vocab.size]`, never dropped: a top-k input's `restMass`, and the probability of
 * special tokens other than EOS. Hence the output sums to Σ_i w_i (1 for simplex weights) and is
 * linear in `w`. Allocation-free apart from `out` when `out` is passed.
 */
export function mixDistributions(
  vocab: UnionVocabulary,
  dists: readonly ModelDistribution[],
  weights: ArrayLike<number>,
  out: Float64Array = new Float64Array(vocab.size + 1),
): Float64Array {
  const n = vocab.numModels;
  if (dists.length !== n) throw new RangeError(`mixDistributions: got ${dists.length} distributions for ${n} models`);
  if (weights.length !== n) throw new RangeError(`mixDistributions: got ${weights.length} weights for ${n} models`);
  if (out.length !== vocab.size + 1) throw new RangeError(`mixDistributions: out has length ${out.length}, expected ${vocab.size + 1} (union size + tail)`);
  for (let i = 0; i < n; i++) {
    const w = weights[i];
    if (!Number.isFinite(w) || w < 0) {
      throw new InvalidActionError(`model ${i}`, w, 'mixture weights (finite, >= 0)', 'Turn policy outputs into weights with actionToWeights (softmax, concentrations, include bits).');
    }
  }
  out.fill(0);
  const tail = vocab.size;
  for (let i = 0; i < n; i++) {
    const w = weights[i];
    if (w === 0) continue;
    const d = dists[i];
    const map = vocab.modelToUnion[i];
    if (d instanceof Float32Array) {
      if (d.length !== map.length) throw new RangeError(`mixDistributions: model ${i} gave ${d.length} log-probs, its vocabulary has ${map.length} ids`);
      // The maximum keeps exp() finite for unnormalised scores as well as log-probs.
      let mx = -Infinity;
      for (let j = 0; j < d.length; j++) if (d[j] > mx) mx = d[j];
      if (!Number.isFinite(mx)) throw new RangeError(`mixDistributions: model ${i}'s log-probs have no finite maximum (${mx})`);
      const e = scratchFor(d.length);
      let z = 0;
      for (let j = 0; j < d.length; j++) {
        const v = Math.exp(d[j] - mx);
        e[j] = v;
        z += v;
      }
      const scale = w / z;
      for (let j = 0; j < d.length; j++) {
        const u = map[j];
        out[u >= 0 ? u : tail] += e[j] * scale;
      }
    } else {
      const { ids, logprobs, restMass } = d;
      const rest = Math.max(0, restMass);
      let z = rest;
      for (let j = 0; j < logprobs.length; j++) z += Math.exp(logprobs[j]);
      if (!(z > 0) || !Number.isFinite(z)) throw new RangeError(`mixDistributions: model ${i}'s top-k has total mass ${z}`);
      const scale = w / z;
      for (let j = 0; j < ids.length; j++) {
        const id = ids[j];
        const u = id >= 0 && id < map.length ? map[id] : -1;
        out[u >= 0 ? u : tail] += Math.exp(logprobs[j]) * scale;
      }
      out[tail] += rest * scale;
    }
  }
  return out;
}
