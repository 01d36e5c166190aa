import { ConfigError } from '../core/errors.js';
import { EnsembleInputError } from './EnsembleInputError.js';

/** Scores a predicted answer against the reference; 1 is fully right, 0 wrong (user scorers may return any finite number). */
export type Scorer = (prediction: string, reference: string) => number;

/** How answers are normalised before an exact-match comparison (defaults in brackets). */
export interface NormalizeOptions {
  /** Compare case-insensitively [true]. */
  readonly ignoreCase?: boolean;
  /** Trim and collapse runs of whitespace to one space [true]. */
  readonly collapseWhitespace?: boolean;
  /** Drop ASCII and Unicode punctuation [false]. */
  readonly stripPunctuation?: boolean;
  /** Drop the English articles a/an/the (SQuAD-style) [false]. */
  readonly stripArticles?: boolean;
  /** Unicode NFKC normalisation, so full-width digits equal ASCII ones [true]. */
  readonly unicode?: boolean;
}

/** The answer as `exactMatch` compares it under `opts`. */
export function normalizeAnswer(text: string, opts: NormalizeOptions = {}): string {
  let s = opts.unicode === false ? text : text.normalize('NFKC');
  if (opts.ignoreCase !== false) s = s.toLowerCase();
  if (opts.stripPunctuation) s = s.replace(/[\p{P}\p{S}]/gu, ' ');
  if (opts.stripArticles) s = s.replace(/\b(a|an|the)\b/giu, ' ');
  if (opts.collapseWhitespace !== false) s = s.replace(/\s+/gu, ' ').trim();
  return s;
}

/** 1 when the normalised prediction equals the normalised reference, else 0. */
export function exactMatch(prediction: string, reference: string, opts: NormalizeOptions = {}): number {
  return normalizeAnswer(prediction, opts) === normalizeAnswer(reference, opts) ? 1 : 0;
}

const NUMBER = /[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|[-+−]?\.\d+/gu;

/** The last number written in `text` (thousands commas, sign, decimals, exponent), or null when there is none. */
export function lastNumber(text: string): number | null {
  const all = text.normalize('NFKC').match(NUMBER);
  if (!all) return null;
  const v = Number(all[all.length - 1].replace(/,/g, '').replace('−', '-'));
  return Number.isFinite(v) ? v : null;
}

/** 1 when both texts' last numbers exist and differ by at most `tol` (absolute), else 0. */
export function lastNumberMatch(prediction: string, reference: string, tol = 1e-9): number {
  const a = lastNumber(prediction);
  const b = lastNumber(reference);
  return a !== null && b !== null && Math.abs(a - b) <= tol ? 1 : 0;
}

/**
 * Option index (0-based) named in `text` among `numOptions` options lettered A, B, C, ...: prefers
 * an explicit "answer is (B)" / "Answer: B", then a lone letter token "(B)", "B." or "B)", using the
 * last such mention; null when none is found or the letter is out of range.
 */
export function optionLetter(text: string, numOptions: number): number | null {
  if (!Number.isInteger(numOptions) || numOptions < 1 || numOptions > 26)
    throw new EnsembleInputError(
      'optionLetter',
      'numOptions',
      `is ${numOptions}, must be an integer in 1..26`,
      'Options are lettered A..Z: pass how many the question has (at most 26).',
    );
  const letters = String.fromCharCode(...Array.from({ length: numOptions }, (_, i) => 65 + i));
  const inRange = (l: string) => {
    const i = l.toUpperCase().charCodeAt(0) - 65;
    return i >= 0 && i < numOptions ? i : null;
  };
  // A lower-case letter counts only in parentheses: "the answer is a cat" names no option.
  // No two `\s*` may be adjacent with only optional tokens between them: that backtracks in O(n²) on long whitespace runs.
  const explicit = [...text.matchAll(/answer\s*(?:is\s*)?(?::\s*)?(?:\(([A-Za-z])\)|([A-Z])(?![A-Za-z]))/giu)];
  for (let k = explicit.length - 1; k >= 0; k--) {
    const l = explicit[k][1] ?? explicit[k][2];
    const i = explicit[k][1] !== undefined || l === l.toUpperCase() ? inRange(l) : null;
    if (i !== null) return i;
  }
  const lone = [...text.matchAll(new RegExp(`(?:^|[^A-Za-z])\\(?([${letters}])(?:\\)|\\.|:|$|\\s)`, 'gu'))];
  return lone.length > 0 ? inRange(lone[lone.length - 1][1]) : null;
}

/** Option index (0-based) from a written number "2" among `numOptions` (`base` 1: "1" is the first option), or null. */
export function optionIndex(text: string, numOptions: number, base: 0 | 1 = 1): number | null {
  const v = lastNumber(text);
  if (v === null || !Number.isInteger(v)) return null;
  const i = v - base;
  return i >= 0 && i < numOptions ? i : null;
}

/** Built-in scorer names accepted wherever a scorer is configured. */
export type ScorerName = 'exact' | 'number' | 'option';

/**
 * A scorer from a name or a user function. `'option'` compares option letters (the reference is
 * a letter such as "B"); user functions are checked to return a finite number on every call.
 */
export function makeScorer(spec: ScorerName | Scorer, opts: { normalize?: NormalizeOptions; numOptions?: number; tol?: number } = {}): Scorer {
  if (typeof spec === 'function') {
    return (p, r) => {
      const v = spec(p, r);
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new ConfigError(
          'scorer',
          `the scoring function returned ${String(v)} for prediction ${JSON.stringify(p.slice(0, 40))}`,
          'Return a finite number (1 = right, 0 = wrong).',
        );
      return v;
    };
  }
  switch (spec) {
    case 'exact':
      return (p, r) => exactMatch(p, r, opts.normalize);
    case 'number':
      return (p, r) => lastNumberMatch(p, r, opts.tol);
    case 'option': {
      const n = opts.numOptions ?? 26;
      return (p, r) => {
        const a = optionLetter(p, n);
        return a !== null && a === optionLetter(r, n) ? 1 : 0;
      };
    }
    default:
      throw new ConfigError(
        'scorer',
        `unknown scorer ${JSON.stringify(spec)}`,
        "Use 'exact', 'number', 'option' or a function (prediction, reference) => number.",
      );
  }
}
