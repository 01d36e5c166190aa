import { preview } from '../core/errors.js';
import { EnsembleInputError } from './EnsembleInputError.js';
import { checkMatrix } from './focalDiversity.js';

/**
 * Classic ensemble diversity measures (Kuncheva & Whitaker 2003, "Measures of diversity in
 * classifier ensembles"), computed from oracle outputs: `correct[j][t]` non-zero when model j is
 * right on item t. Pairwise measures are averaged over all pairs. Where a formula is 0/0 (e.g. a
 * pair that is right on every item) the measure is taken as 0 for Q and ρ, and κ is 1 (full agreement).
 */
export interface DiversityReport {
  /** Average Q-statistic, in [-1, 1] (0 for independent models, lower is more diverse). */
  readonly qStatistic: number;
  /** Average correlation coefficient ρ, in [-1, 1]. */
  readonly correlation: number;
  /** Average disagreement (one right, the other wrong), in [0, 1]; higher is more diverse. */
  readonly disagreement: number;
  /** Average double fault (both wrong), in [0, 1]; lower is more diverse. */
  readonly doubleFault: number;
  /** Entropy measure E, in [0, 1]; higher is more diverse. */
  readonly entropy: number;
  /** Kohavi-Wolpert variance, in [0, 1/4]. */
  readonly kohaviWolpert: number;
  /** Interrater agreement κ (Fleiss' κ over right/wrong), at most 1; lower is more diverse. */
  readonly kappa: number;
}

interface PairCounts {
  n11: number;
  n00: number;
  n10: number;
  n01: number;
}

function pairCounts(a: ArrayLike<number | boolean>, b: ArrayLike<number | boolean>): PairCounts {
  const c = { n11: 0, n00: 0, n10: 0, n01: 0 };
  for (let t = 0; t < a.length; t++) {
    if (a[t] && b[t]) c.n11++;
    else if (!a[t] && !b[t]) c.n00++;
    else if (a[t]) c.n10++;
    else c.n01++;
  }
  return c;
}

/** Q-statistic of two models (N11·N00 − N01·N10)/(N11·N00 + N01·N10); 0 when undefined. */
export function qStatistic(a: ArrayLike<number | boolean>, b: ArrayLike<number | boolean>): number {
  const { n11, n00, n10, n01 } = pairCounts(a, b);
  const den = n11 * n00 + n01 * n10;
  return den === 0 ? 0 : (n11 * n00 - n01 * n10) / den;
}

/** Correlation coefficient ρ of two models' oracle outputs; 0 when undefined. */
export function correlationCoefficient(a: ArrayLike<number | boolean>, b: ArrayLike<number | boolean>): number {
  const { n11, n00, n10, n01 } = pairCounts(a, b);
  const den = Math.sqrt((n11 + n10) * (n01 + n00) * (n11 + n01) * (n10 + n00));
  return den === 0 ? 0 : (n11 * n00 - n01 * n10) / den;
}

/** Disagreement of two models: fraction of items where exactly one is right (0 for no items). */
export function disagreement(a: ArrayLike<number | boolean>, b: ArrayLike<number | boolean>): number {
  const { n10, n01 } = pairCounts(a, b);
  return a.length === 0 ? 0 : (n10 + n01) / a.length;
}

/** Double fault of two models: fraction of items where both are wrong (0 for no items). */
export function doubleFault(a: ArrayLike<number | boolean>, b: ArrayLike<number | boolean>): number {
  return a.length === 0 ? 0 : pairCounts(a, b).n00 / a.length;
}

/** Number of models right on each item, l(z_t). */
function rightCounts(correct: readonly ArrayLike<number | boolean>[], n: number): Int32Array {
  const l = new Int32Array(n);
  for (const c of correct) for (let t = 0; t < n; t++) if (c[t]) l[t]++;
  return l;
}

/** Entropy measure E = (1/N) Σ_t min(l_t, L − l_t) / (L − ⌈L/2⌉), in [0, 1] (0 for fewer than 2 models). */
export function entropyMeasure(correct: readonly ArrayLike<number | boolean>[]): number {
  const n = checkMatrix(correct, 'entropyMeasure');
  const L = correct.length;
  if (L < 2 || n === 0) return 0;
  const l = rightCounts(correct, n);
  const den = L - Math.ceil(L / 2);
  let s = 0;
  for (let t = 0; t < n; t++) s += Math.min(l[t], L - l[t]) / den;
  return s / n;
}

/**
 * Fleiss' κ of `ratings[rater][item]` (category indices 0..numCategories−1): (P̄ − P_e)/(1 − P_e).
 * With the two categories right/wrong it is Kuncheva & Whitaker's interrater agreement κ.
 * 1 when every rating falls in one category (P_e = 1).
 */
export function fleissKappa(ratings: readonly ArrayLike<number>[], numCategories?: number): number {
  const n = checkMatrix(ratings, 'fleissKappa');
  const L = ratings.length;
  if (L < 2 || n === 0) return 1;
  if (numCategories !== undefined && (!Number.isSafeInteger(numCategories) || numCategories < 1)) {
    throw new EnsembleInputError(
      'fleissKappa',
      'numCategories',
      `must be a positive integer, got ${preview(numCategories)}`,
      'Pass the number of categories (2 for right/wrong), or leave it out to use the largest rating + 1.',
    );
  }
  let k = numCategories ?? 0;
  if (numCategories === undefined) for (const r of ratings) for (let t = 0; t < n; t++) k = Math.max(k, r[t] + 1);
  const counts = new Float64Array(k);
  const perItem = new Float64Array(k);
  let pBar = 0;
  for (let t = 0; t < n; t++) {
    perItem.fill(0);
    for (let j = 0; j < L; j++) {
      const c = ratings[j][t];
      if (!Number.isInteger(c) || c < 0 || c >= k)
        throw new EnsembleInputError(
          'fleissKappa',
          `ratings[${j}][${t}]`,
          `is ${preview(c)}, outside the categories 0..${k - 1}`,
          'Ratings are integer category indices; pass numCategories larger than every rating, or leave it out.',
        );
      perItem[c]++;
    }
    let agree = 0;
    for (let c = 0; c < k; c++) {
      agree += perItem[c] * (perItem[c] - 1);
      counts[c] += perItem[c];
    }
    pBar += agree / (L * (L - 1));
  }
  pBar /= n;
  let pe = 0;
  for (let c = 0; c < k; c++) pe += (counts[c] / (n * L)) ** 2;
  return pe >= 1 ? 1 : (pBar - pe) / (1 - pe);
}

/**
 * Accuracy of the plurality vote of `predictions[model][item]` against `labels[item]`; ties go to
 * the smallest label among the most voted (deterministic, documented so results are reproducible).
 */
export function pluralityVoteAccuracy(predictions: readonly ArrayLike<number>[], labels: ArrayLike<number>): number {
  const n = checkMatrix([...predictions, labels], 'pluralityVoteAccuracy');
  if (n === 0 || predictions.length === 0) return 0;
  const votes = new Map<number, number>();
  let right = 0;
  for (let t = 0; t < n; t++) {
    votes.clear();
    for (const p of predictions) votes.set(p[t], (votes.get(p[t]) ?? 0) + 1);
    let best = Infinity;
    let bestVotes = -1;
    for (const [label, v] of votes) if (v > bestVotes || (v === bestVotes && label < best)) [best, bestVotes] = [label, v];
    if (best === labels[t]) right++;
  }
  return right / n;
}

/** Averages a pairwise measure over all pairs of models (0 for fewer than 2 models). */
function pairAverage(correct: readonly ArrayLike<number | boolean>[], f: (a: ArrayLike<number | boolean>, b: ArrayLike<number | boolean>) => number): number {
  let s = 0;
  let pairs = 0;
  for (let i = 0; i < correct.length; i++) {
    for (let j = i + 1; j < correct.length; j++) {
      s += f(correct[i], correct[j]);
      pairs++;
    }
  }
  return pairs === 0 ? 0 : s / pairs;
}

/** All Kuncheva & Whitaker measures of the models' oracle outputs. */
export function diversityMetrics(correct: readonly ArrayLike<number | boolean>[]): DiversityReport {
  const n = checkMatrix(correct, 'diversityMetrics');
  const L = correct.length;
  let kw = 0;
  if (L > 0 && n > 0) {
    const l = rightCounts(correct, n);
    for (let t = 0; t < n; t++) kw += l[t] * (L - l[t]);
    kw /= n * L * L;
  }
  const oracle = correct.map((c) => Int32Array.from({ length: n }, (_, t) => (c[t] ? 1 : 0)));
  return {
    qStatistic: pairAverage(correct, qStatistic),
    correlation: pairAverage(correct, correlationCoefficient),
    disagreement: pairAverage(correct, disagreement),
    doubleFault: pairAverage(correct, doubleFault),
    entropy: entropyMeasure(correct),
    kohaviWolpert: kw,
    kappa: fleissKappa(oracle, 2),
  };
}
