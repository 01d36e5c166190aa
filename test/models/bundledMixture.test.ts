import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Tokenizer } from '../../src/models/Tokenizer.js';
import type { NextTokenScorer } from '../../models/build/NextTokenScorer.js';
import { simplexGrid } from '../../models/build/measureEnsemble.js';
import { CharModel, decodeMixture } from '../../models/build/stringMixture.js';

/** A toy tokenizer over fixed token strings (id 0 = EOS), greedy longest match. */
function toyTokenizer(tokens: string[]): Tokenizer {
  const enc = new TextEncoder();
  return {
    vocabSize: tokens.length,
    specialTokens: { eos: 0, bos: 0 },
    encode(text: string): number[] {
      const ids: number[] = [];
      for (let i = 0; i < text.length;) {
        let best = -1;
        for (let id = 1; id < tokens.length; id++) if (text.startsWith(tokens[id], i) && (best < 0 || tokens[id].length > tokens[best].length)) best = id;
        if (best < 0) throw new Error(`no token for ${text.slice(i)}`);
        ids.push(best);
        i += tokens[best].length;
      }
      return ids;
    },
    decode: (ids) =>
      ids
        .filter((i) => i > 0)
        .map((i) => tokens[i])
        .join(''),
    idToToken: (id) => tokens[id],
    tokenToId: (t) => {
      const i = tokens.indexOf(t);
      return i < 0 ? undefined : i;
    },
    tokenBytes: (id) => (id === 0 ? new Uint8Array(0) : enc.encode(tokens[id])),
  };
}

/** Scorer whose next-token distribution is `dist(ids)` (probabilities). */
function toyScorer(tokens: string[], dist: (ids: readonly number[]) => number[]): NextTokenScorer {
  return { name: 'toy', tokenizer: toyTokenizer(tokens), bosId: 0, logprobs: async (ids) => Float32Array.from(dist(ids).map(Math.log)) };
}

test('CharModel marginalises every token path: uniform tokens {a, b, ab, \\n} after "a" give P(b) = 0.6', async () => {
  const tokens = ['<eos>', 'a', 'b', 'ab', '\n'];
  const m = new CharModel(toyScorer(tokens, () => tokens.map(() => 1 / tokens.length)));
  const d = await m.next('', 'a');
  assert.ok(Math.abs((d.get('b') ?? 0) - 0.6) < 1e-6);
  assert.ok(Math.abs((d.get('a') ?? 0) - 0.2) < 1e-6);
  assert.ok(Math.abs((d.get('\n') ?? 0) - 0.2) < 1e-6);
});

test('next-character distributions sum to 1 and mixtures of deterministic models follow the weights', async () => {
  const tokens = ['<eos>', 'x', 'y', 'xy', 'yx', '\n', ' '];
  // Model k spells `targets[k]` then the newline, whatever its tokenization.
  const spell = (target: string) => (ids: readonly number[]) => {
    const text = ids.map((i) => tokens[i]).join('');
    const rest = target.startsWith(text) ? target.slice(text.length) : '\n';
    return tokens.map((t, i) => (i > 0 && rest.length > 0 && rest.startsWith(t) ? 1 : 1e-9));
  };
  await fc.assert(
    fc.asyncProperty(fc.stringMatching(/^[xy]{1,6}$/), fc.stringMatching(/^[xy]{1,6}$/), fc.integer({ min: 0, max: 10 }), async (s1, s2, k) => {
      const models = [new CharModel(toyScorer(tokens, spell(`${s1}\n`))), new CharModel(toyScorer(tokens, spell(`${s2}\n`)))];
      const d = await models[0].next('', s1.slice(0, 1));
      const sum = [...d.values()].reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-9);
      const w = [k / 10, 1 - k / 10];
      const out = await decodeMixture(models, '', () => w, 20);
      if (w[0] > w[1]) assert.equal(out, `${s1}\n`);
      if (w[1] > w[0]) assert.equal(out, `${s2}\n`);
      if (s1 === s2) assert.equal(out, `${s1}\n`);
    }),
    { numRuns: 200 },
  );
});

test('simplexGrid lists 66 distinct weight vectors on the simplex for 3 models at step 0.1', () => {
  const g = simplexGrid(3, 10);
  assert.equal(g.length, 66);
  assert.equal(new Set(g.map((w) => w.join())).size, 66);
  for (const w of g) assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-9 && w.every((x) => x >= 0));
});
