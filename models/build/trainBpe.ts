/** Result of BPE training: the vocabulary in id order (after the alphabet) and the merges in rank order. */
export interface BpeModel {
  readonly vocab: string[];
  readonly merges: [string, string][];
}

/**
 * Learns `numMerges` BPE merges from pre-tokenized word counts (each word a string of base symbols),
 * the standard greedy algorithm: repeatedly merge the most frequent adjacent pair (ties broken by the
 * pair's text, so training is deterministic). `alphabet` lists the base symbols, all kept in the vocab.
 */
export function trainBpe(wordCounts: Map<string, number>, alphabet: readonly string[], numMerges: number): BpeModel {
  const vocab = [...alphabet];
  const known = new Set(vocab);
  const words: { symbols: string[]; count: number }[] = [];
  for (const [w, count] of wordCounts) {
    const symbols = [...w];
    for (const s of symbols)
      if (!known.has(s)) {
        known.add(s);
        vocab.push(s);
      }
    words.push({ symbols, count });
  }
  const merges: [string, string][] = [];
  for (let m = 0; m < numMerges; m++) {
    const pairs = new Map<string, number>();
    for (const { symbols, count } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]}\u0000${symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + count);
      }
    }
    let best: string | undefined;
    let bestCount = 0;
    for (const [key, c] of pairs) {
      if (c > bestCount || (c === bestCount && best !== undefined && key < best)) {
        best = key;
        bestCount = c;
      }
    }
    if (best === undefined || bestCount < 2) break;
    const [a, b] = best.split('\u0000') as [string, string];
    merges.push([a, b]);
    const merged = a + b;
    if (!known.has(merged)) {
      known.add(merged);
      vocab.push(merged);
    }
    for (const w of words) {
      const out: string[] = [];
      for (let i = 0; i < w.symbols.length; i++) {
        if (i + 1 < w.symbols.length && w.symbols[i] === a && w.symbols[i + 1] === b) {
          out.push(merged);
          i++;
        } else out.push(w.symbols[i]);
      }
      w.symbols = out;
    }
  }
  return { vocab, merges };
}
