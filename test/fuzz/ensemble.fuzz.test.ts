// The ensemble layer under arbitrary inputs: union vocabularies of arbitrary Unicode tokens (empty
// strings, control characters, lone surrogates, byte-fallback and marker tokens), mixtures of
// arbitrary log-probs and weights, policy outputs turned into weights, and scorers on arbitrary text.
// Each call must return a valid result or throw one of the package's typed errors; any other error
// fails the property.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConfigError, EnsembleGymError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/Rng.js';
import { actionToWeights, includeWeights, type WeightParam } from '../../src/ensemble/actionToWeights.js';
import { mixDistributions } from '../../src/ensemble/mixDistributions.js';
import { exactMatch, lastNumber, lastNumberMatch, makeScorer, normalizeAnswer, optionIndex, optionLetter } from '../../src/ensemble/scorers.js';
import { UnionVocabulary } from '../../src/ensemble/UnionVocabulary.js';
import { HfTokenizer } from '../../src/models/HfTokenizer.js';
import type { TopK } from '../../src/models/ModelAdapter.js';
import type { Tokenizer } from '../../src/models/Tokenizer.js';
import { ListTokenizer } from '../../src/testing/decodingFakes.js';
import { charTokenizerJson } from '../../src/testing/tinyDecoder.js';

/** Counts per target: cases and typed errors; any other error fails the property. */
class Tally {
  cases = 0;
  typed = 0;
  constructor(readonly name: string) {}

  /** Runs `f`; a typed error is fine (counted), anything else fails the property. */
  run<T>(f: () => T): T | undefined {
    this.cases++;
    try {
      return f();
    } catch (e) {
      if (e instanceof EnsembleGymError) {
        this.typed++;
        return undefined;
      }
      throw e;
    }
  }

  print(): void {
    console.log(`fuzz: ${this.name} ${this.cases} cases (${this.typed} typed errors), 0 failures, 0 untyped errors`);
  }
}

/** Arbitrary token strings: any Unicode, empty, control characters, lone surrogates, markers, byte fallbacks. */
const tokenArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 4 }),
  fc.string({ unit: 'grapheme', maxLength: 3 }),
  fc.constantFrom(
    '',
    '\u0000',
    '\n',
    '\t',
    '\u200b',
    '\ud800',
    '\udfff',
    'é',
    'e\u0301',
    '🙂',
    'Ġ',
    'Ġthe',
    '▁',
    '▁a',
    '<0x41>',
    '<0xC3>',
    '<0xA9>',
    '<eos>',
    '  ',
  ),
);

const listTokenizers = fc
  .array(fc.array(tokenArb, { minLength: 0, maxLength: 12 }), { minLength: 1, maxLength: 3 })
  .map((lists) => lists.map((l) => new ListTokenizer(l)));

/** Real tokenizer.json BPE tokenizers whose vocabularies hold arbitrary strings (plus byte-fallback and marker tokens). */
const hfTokenizers = fc
  .array(
    fc.uniqueArray(
      tokenArb.filter((t) => t.length > 0),
      { maxLength: 10 },
    ),
    { minLength: 1, maxLength: 2 },
  )
  .map((lists) =>
    lists.map((extra) => {
      const json = charTokenizerJson('ab ') as { model: { vocab: Record<string, number>; byte_fallback: boolean } };
      for (const t of extra) if (!(t in json.model.vocab)) json.model.vocab[t] = Object.keys(json.model.vocab).length;
      json.model.byte_fallback = extra.some((t) => /^<0x[0-9A-F]{2}>$/.test(t));
      return HfTokenizer.fromJson(json);
    }),
  );

function checkVocabulary(v: UnionVocabulary, toks: readonly Tokenizer[]): void {
  assert.equal(v.numModels, toks.length);
  assert.ok(v.size >= 1);
  toks.forEach((tok, m) => {
    const map = v.modelToUnion[m];
    assert.equal(map.length, tok.vocabSize);
    for (let id = 0; id < tok.vocabSize; id++) {
      const u = map[id];
      assert.ok(Number.isInteger(u) && u >= -1 && u < v.size);
      if (id === tok.specialTokens.eos) assert.equal(u, UnionVocabulary.EOS);
      else if (u > 0) assert.deepEqual(v.bytes(u), tok.tokenBytes(id));
      else assert.equal(tok.tokenBytes(id).length, 0);
    }
    for (let u = 1; u < v.size; u++) {
      const id = v.unionToModel[m][u];
      if (id >= 0) assert.deepEqual(tok.tokenBytes(id), v.bytes(u));
    }
  });
  for (let u = 1; u < v.size; u++) {
    assert.ok(v.bytes(u).length > 0);
    assert.equal(typeof v.text(u), 'string');
  }
}

test('UnionVocabulary: arbitrary Unicode vocabularies build, map bytes both ways, decode and retokenize without untyped errors', () => {
  const t = new Tally('UnionVocabulary');
  const prop = (toks: Tokenizer[], picks: number[], junkIds: number[]) => {
    const v = t.run(() => UnionVocabulary.fromTokenizers(toks));
    assert.ok(v, 'fromTokenizers failed on a valid tokenizer list');
    checkVocabulary(v, toks);
    const seq = picks.map((p) => p % v.size);
    const expected = new TextDecoder().decode(Buffer.concat(seq.filter((u) => u > 0).map((u) => v.bytes(u))));
    assert.equal(
      t.run(() => v.decode(seq)),
      expected,
    );
    toks.forEach((tok, m) => {
      const pending = v.newPending();
      for (const u of seq) {
        const ids = t.run(() => v.retokenize(m, u, pending));
        assert.ok(ids !== undefined, 'retokenize threw a typed error on a valid union id');
        for (const id of ids) assert.ok(Number.isInteger(id) && id >= 0 && id < tok.vocabSize, `retokenize gave id ${id}`);
      }
      for (const id of t.run(() => v.flush(m, pending)) ?? []) assert.ok(id >= 0 && id < tok.vocabSize);
      assert.deepEqual(pending.bytes, []);
    });
    for (const j of junkIds) {
      t.run(() => v.bytes(j));
      t.run(() => v.mapIds(j, [0, -1, 1.5, 1e9]));
    }
  };
  fc.assert(
    fc.property(listTokenizers, fc.array(fc.nat(), { maxLength: 12 }), fc.array(fc.constantFrom(-1, 1.5, NaN, 1e9, Infinity), { maxLength: 2 }), prop),
    { numRuns: 250, seed: 1 },
  );
  fc.assert(fc.property(hfTokenizers, fc.array(fc.nat(), { maxLength: 12 }), fc.constant([] as number[]), prop), { numRuns: 120, seed: 2 });
  t.print();
});

const weirdNumber = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -50, max: 5, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 1e308, -1e308, 0, -0, 3.4e38) },
);

test('mixDistributions: any log-probs and weights give a finite non-negative mixture summing to Σw, or a typed error', () => {
  const t = new Tally('mixDistributions');
  const vocab = UnionVocabulary.fromTokenizers([
    new ListTokenizer(['a', 'b', 'ab', 'é']),
    new ListTokenizer(['b', 'c', '🙂']),
    new ListTokenizer(['a', 'c', 'abc', ' ']),
  ]);
  const sizes = vocab.tokenizers.map((tk) => tk.vocabSize);
  const dist = (m: number) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.array(weirdNumber, { minLength: sizes[m], maxLength: sizes[m] }).map((a) => Float32Array.from(a)) },
      { weight: 1, arbitrary: fc.array(weirdNumber, { minLength: 0, maxLength: sizes[m] + 2 }).map((a) => Float32Array.from(a)) },
      {
        weight: 3,
        arbitrary: fc
          .record({ ids: fc.array(fc.integer({ min: -2, max: sizes[m] + 2 }), { maxLength: 4 }), restMass: weirdNumber })
          .chain(({ ids, restMass }) =>
            fc
              .array(
                weirdNumber.map((x) => Math.min(x, 0)),
                { minLength: ids.length, maxLength: ids.length },
              )
              .map((lp): TopK => ({ ids: Int32Array.from(ids), logprobs: Float32Array.from(lp), restMass })),
          ),
      },
    );
  const weights = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }).map((w) => {
        const z = w.reduce((a, b) => a + b, 0);
        return z > 0 ? w.map((x) => x / z) : [1, 0, 0];
      }),
    },
    { weight: 2, arbitrary: fc.array(weirdNumber, { minLength: 3, maxLength: 3 }) },
    { weight: 1, arbitrary: fc.array(weirdNumber, { minLength: 0, maxLength: 4 }) },
  );
  fc.assert(
    fc.property(fc.tuple(dist(0), dist(1), dist(2)), weights, fc.integer({ min: 0, max: 9 }), (dists, w, drop) => {
      const ds = dists.slice(0, drop === 9 ? 2 : 3);
      const out = t.run(() => mixDistributions(vocab, ds, w));
      if (out === undefined) return;
      const bad = Array.from(out).some((x) => !Number.isFinite(x) || x < 0);
      assert.ok(!bad, `mixture has a non-finite or negative entry: ${Array.from(out)}`);
      const sumW = w.reduce((a, b) => a + b, 0);
      const sum = out.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - sumW) < 1e-6 * Math.max(1, sumW), `mixture sums to ${sum}, weights to ${sumW}`);
    }),
    { numRuns: 1200, seed: 3 },
  );
  t.print();
});

test('actionToWeights / includeWeights: any policy output gives simplex weights or a typed error', () => {
  const t = new Tally('actionToWeights');
  const simplex = (w: Float64Array | undefined, n: number) => {
    if (w === undefined) return;
    assert.equal(w.length, n);
    assert.ok(
      w.every((x) => Number.isFinite(x) && x >= 0),
      `weights ${Array.from(w)}`,
    );
    assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  };
  fc.assert(
    fc.property(
      fc.constantFrom<WeightParam>('softmax', 'concentration', 'dirichlet'),
      fc.array(weirdNumber, { maxLength: 6 }),
      fc.array(fc.oneof(fc.constantFrom(0, 1), fc.constantFrom(2, -1, 0.5, NaN)), { maxLength: 6 }),
      fc.integer(),
      (param, xs, bits, seed) => {
        simplex(
          t.run(() => actionToWeights(param, xs, { rng: new Rng(seed) })),
          xs.length,
        );
        const n = Math.min(xs.length, bits.length);
        simplex(
          t.run(() => includeWeights(bits.slice(0, n), xs.slice(0, n).map(Math.abs))),
          n,
        );
      },
    ),
    { numRuns: 1500, seed: 4 },
  );
  t.cases++;
  assert.throws(
    () => actionToWeights('bogus' as WeightParam, [1, 2]),
    (e: unknown) => e instanceof ConfigError && /bogus/.test(e.message),
  );
  t.typed++;
  t.print();
});

const textArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'The answer is (B).',
    'Answer: c',
    '１２３',
    '−4.5e3',
    '1,234,567',
    '.5',
    '(Z)',
    'answer is',
    'NaN',
    'Infinity',
    '1e999',
    '\ud800',
  ),
);

test('scorers: arbitrary Unicode text gives scores in {0, 1} and indices in range, exact match is reflexive', () => {
  const t = new Tally('scorers');
  fc.assert(
    fc.property(textArb, textArb, fc.integer({ min: -2, max: 30 }), (a, b, n) => {
      const em = t.run(() => exactMatch(a, b));
      assert.ok(em === 0 || em === 1);
      assert.equal(
        t.run(() => exactMatch(a, a)),
        1,
      );
      assert.equal(
        t.run(() => exactMatch(b, a)),
        em,
      );
      assert.equal(typeof t.run(() => normalizeAnswer(a, { stripPunctuation: true, stripArticles: true })), 'string');
      const x = t.run(() => lastNumber(a));
      assert.ok(x === null || Number.isFinite(x));
      const nm = t.run(() => lastNumberMatch(a, b));
      assert.ok(nm === 0 || nm === 1);
      const l = t.run(() => optionLetter(a, n));
      if (l !== undefined && l !== null) assert.ok(Number.isInteger(l) && l >= 0 && l < n);
      const i = t.run(() => optionIndex(a, Math.max(n, 0)));
      if (i !== undefined && i !== null) assert.ok(i >= 0 && i < n);
      for (const name of ['exact', 'number', 'option'] as const) {
        const s = t.run(() => makeScorer(name, { numOptions: n >= 1 && n <= 26 ? n : 4 })(a, b));
        assert.ok(s === 0 || s === 1);
      }
      const user = makeScorer(() => (a.length % 2 ? NaN : 1));
      const u = t.run(() => user(a, b));
      assert.ok(u === undefined ? a.length % 2 === 1 : u === 1);
    }),
    { numRuns: 800, seed: 5 },
  );
  t.print();
});

// Regression guard for catastrophic regex backtracking: 200k characters take milliseconds in linear
// time and minutes in quadratic time, so the generous timeout only trips on a quadratic pattern.
test('scorers stay linear on long adversarial text (whitespace runs, digit groups, repeated keywords)', { timeout: 20_000 }, () => {
  const n = 200_000;
  const texts = [
    'answer' + ' '.repeat(n) + '!',
    'Answer:' + '\t'.repeat(n),
    '1,'.repeat(n / 2) + 'x',
    'answer is '.repeat(n / 10),
    '('.repeat(n),
    '-'.repeat(n) + '1',
    'the a an '.repeat(n / 9),
  ];
  for (const s of texts) {
    assert.ok([null, 0, 1, 2, 3].includes(optionLetter(s, 4)));
    assert.ok(lastNumber(s) === null || Number.isFinite(lastNumber(s)));
    assert.equal(typeof normalizeAnswer(s, { stripPunctuation: true, stripArticles: true }), 'string');
    assert.ok([0, 1].includes(exactMatch(s, s.slice(1))));
  }
});
