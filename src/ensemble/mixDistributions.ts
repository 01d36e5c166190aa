import { InvalidActionError } from '../core/errors.js';
import { EnsembleInputError } from './EnsembleInputError.js';
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
 *
 * `exps[i]`, when present, must hold exp(d − max d) for every entry d of the full log-probs
 * `dists[i]` (as `logprobFeatures` writes them); those exponentials are then not computed again.
 * `expSums[i]`, when present together with `exps[i]`, must be Σ_j exps[i][j] over the first
 * `dists[i].length` entries, added in index order (the `expSum` `logprobFeatures` returns); that sum
 * is then not taken again. The result is bit-identical either way.
 */
export function mixDistributions(
  vocab: UnionVocabulary,
  dists: readonly ModelDistribution[],
  weights: ArrayLike<number>,
  out: Float64Array = new Float64Array(vocab.size + 1),
  exps?: readonly (Float64Array | undefined)[],
  expSums?: ArrayLike<number>,
): Float64Array {
  const n = vocab.numModels;
  if (dists.length !== n)
    throw new EnsembleInputError(
      CALL,
      'dists',
      `has ${dists.length} distributions for ${n} models`,
      "Pass one distribution per model, in the vocabulary's model order.",
    );
  if (weights.length !== n)
    throw new EnsembleInputError(
      CALL,
      'weights',
      `has ${weights.length} entries for ${n} models`,
      "Pass one weight per model, in the vocabulary's model order.",
    );
  if (out.length !== vocab.size + 1)
    throw new EnsembleInputError(
      CALL,
      'out',
      `has length ${out.length}, expected ${vocab.size + 1} (union size + tail)`,
      'Allocate it with mixtureSize(vocab) or leave it out.',
    );
  for (let i = 0; i < n; i++) {
    const w = weights[i];
    if (!Number.isFinite(w) || w < 0) {
      throw new InvalidActionError(
        `model ${i}`,
        w,
        'mixture weights (finite, >= 0)',
        'Turn policy outputs into weights with actionToWeights (softmax, concentrations, include bits).',
      );
    }
  }
  out.fill(0);
  const tail = vocab.size;
  for (let i = 0; i < n; i++) {
    const w = weights[i];
    if (w === 0) continue;
    const d = dists[i];
    const map = vocab.mixtureIndex[i];
    if (d instanceof Float32Array) {
      if (d.length !== map.length)
        throw new EnsembleInputError(
          CALL,
          `dists[${i}]`,
          `has ${d.length} log-probs, model ${i}'s vocabulary has ${map.length} ids`,
          'Pass the full next-token log-probs of that model (or a top-k summary).',
        );
      const given = exps?.[i];
      let e = given !== undefined && given.length >= d.length ? given : scratchFor(d.length);
      let z = 0;
      if (e === given) {
        if (expSums !== undefined && i < expSums.length) z = expSums[i];
        else for (let j = 0; j < d.length; j++) z += e[j];
      }
      // Given exponentials sum to z >= 1 when the maximum is finite (it contributes exp(0)); anything
      // else (none given, NaN or +Inf inputs, no mass) takes the full path, which also names the problem.
      if (e !== given || !(z >= 1) || !Number.isFinite(z)) {
        // The maximum keeps exp() finite for unnormalised scores as well as log-probs.
        let mx = -Infinity;
        for (let j = 0; j < d.length; j++) if (d[j] > mx) mx = d[j];
        e = scratchFor(d.length);
        z = 0;
        for (let j = 0; j < d.length; j++) {
          const v = Math.exp(d[j] - mx);
          e[j] = v;
          z += v;
        }
        // One check after the loops instead of one per entry: a NaN entry makes z NaN (the maximum
        // skips NaN), +Inf makes mx infinite, all -Inf leaves mx = -Inf.
        if (!Number.isFinite(mx) || !Number.isFinite(z)) throw badLogprobs(i, d, mx);
      }
      // z >= 1 (the maximum contributes exp(0)), so w / z cannot overflow.
      const scale = w / z;
      for (let j = 0; j < d.length; j++) out[map[j]] += e[j] * scale;
    } else {
      const { ids, logprobs, restMass } = d;
      if (ids.length !== logprobs.length)
        throw new EnsembleInputError(CALL, `dists[${i}]`, `is a top-k with ${ids.length} ids and ${logprobs.length} log-probs`, 'Give one log-prob per id.');
      if (Number.isNaN(restMass) || restMass === Infinity)
        throw new EnsembleInputError(CALL, `dists[${i}].restMass`, `is ${restMass}`, 'Give the probability mass outside the top-k, a finite number >= 0.');
      const rest = Math.max(0, restMass);
      let z = rest;
      for (let j = 0; j < logprobs.length; j++) z += Math.exp(logprobs[j]);
      if (!(z > 0) || !Number.isFinite(z)) throw badLogprobs(i, logprobs, z);
      // w * (p / z), not p * (w / z): z may be subnormal (e.g. only restMass 5e-324), where w / z
      // overflows to Infinity, while p / z <= 1 always.
      for (let j = 0; j < ids.length; j++) {
        const id = ids[j];
        out[id >= 0 && id < map.length ? map[id] : tail] += w * (Math.exp(logprobs[j]) / z);
      }
      out[tail] += w * (rest / z);
    }
  }
  return out;
}

const CALL = 'mixDistributions';

/** The error for model `i`'s log-probs `lp` that gave a non-finite maximum or total `x`: names the first bad position. */
function badLogprobs(i: number, lp: Float32Array, x: number): EnsembleInputError {
  const fix = 'A model returned invalid scores: check its adapter and inputs (or mask it out with weight 0).';
  for (let j = 0; j < lp.length; j++) {
    if (Number.isNaN(lp[j]) || lp[j] === Infinity)
      return new EnsembleInputError(CALL, `dists[${i}][${j}]`, `is ${lp[j]} (model ${i}, position ${j}); log-probs must be finite or -Infinity`, fix);
  }
  const problem =
    x === Infinity
      ? 'has a total probability mass that overflows to Infinity (top-k log-probs far above 0)'
      : `has no probability mass (total ${x}: every log-prob is -Infinity)`;
  return new EnsembleInputError(CALL, `dists[${i}]`, problem, fix);
}
