import type { Split } from './Task.js';

/** FNV-1a 32-bit hash of a string's UTF-16 code units. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Fractions of the question space per split (the rest is `test`). */
export const SPLIT_FRACTIONS = { train: 0.8, validation: 0.1 } as const;

/**
 * The split a question belongs to, decided by a hash of its canonical text, so the three splits
 * never share a question whatever seed or sample size is used.
 */
export function splitOf(question: string): Split {
  const u = fnv1a(question) / 0x100000000;
  if (u < SPLIT_FRACTIONS.train) return 'train';
  if (u < SPLIT_FRACTIONS.train + SPLIT_FRACTIONS.validation) return 'validation';
  return 'test';
}
