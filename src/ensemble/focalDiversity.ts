import { preview } from '../core/errors.js';
import { EnsembleInputError } from './EnsembleInputError.js';

/**
 * Focal diversity of a sub-ensemble, as RL-Focal (and EnsembleBench) define it.
 *
 * `correct[j][t]` is non-zero when model j answered item t correctly. For each member j of the
 * subset S (size m), on the items j got wrong: p_k is the fraction of those items on which exactly
 * k of the m members are wrong (k ≥ 1, since j is), p(1) = Σ_k (k/m)·p_k and
 * p(2) = Σ_k k(k−1)/(m(m−1))·p_k; j's focal negative correlation is 1 − p(2)/p(1). The focal
 * diversity of S is the average over its members. It lies in [0, 1]: 1 when no two members ever
 * fail together, 0 when every failure is shared by all members.
 *
 * Conventions where the definition is silent: a member that is never wrong has no focal items and
 * is left out of the average; if no member is ever wrong the diversity is 1 (no failure is shared);
 * a subset of fewer than two models has diversity 0 (there is nobody to disagree with).
 */
export function focalDiversity(correct: readonly ArrayLike<number | boolean>[], subset: readonly number[]): number {
  const m = subset.length;
  if (m < 2) return 0;
  const n = checkMatrix(correct, 'focalDiversity');
  for (const j of subset)
    if (!Number.isInteger(j) || j < 0 || j >= correct.length)
      throw new EnsembleInputError(
        'focalDiversity',
        'subset',
        `member ${preview(j)} is not a model index in 0..${correct.length - 1}`,
        'Pass indices of rows of the correctness matrix.',
      );
  // wrongCount[t] = number of members wrong on item t.
  const wrongCount = new Int32Array(n);
  for (const j of subset) {
    const c = correct[j];
    for (let t = 0; t < n; t++) if (!c[t]) wrongCount[t]++;
  }
  let total = 0;
  let members = 0;
  for (const j of subset) {
    const c = correct[j];
    // Σ_k k·p_k and Σ_k k(k−1)·p_k share the denominator |focal items|, which cancels in the ratio.
    let s1 = 0;
    let s2 = 0;
    let focal = 0;
    for (let t = 0; t < n; t++) {
      if (c[t]) continue;
      const k = wrongCount[t];
      focal++;
      s1 += k;
      s2 += k * (k - 1);
    }
    if (focal === 0) continue;
    const p1 = s1 / (m * focal);
    const p2 = s2 / (m * (m - 1) * focal);
    total += 1 - p2 / p1;
    members++;
  }
  return members === 0 ? 1 : total / members;
}

/** Checks the models-by-items matrix is rectangular and returns the item count; `call` names the caller in the error. */
export function checkMatrix(rows: readonly ArrayLike<unknown>[], call = 'checkMatrix'): number {
  if (rows.length === 0) return 0;
  const n = rows[0].length;
  rows.forEach((r, j) => {
    if (r.length !== n)
      throw new EnsembleInputError(
        call,
        `rows[${j}]`,
        `has ${r.length} items, row 0 has ${n}: every model must answer the same items`,
        'Pass a rectangular models-by-items matrix.',
      );
  });
  return n;
}
