import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UnionVocabulary, completeUtf8Prefix } from '../../src/ensemble/UnionVocabulary.js';
import { EnsembleInputError } from '../../src/ensemble/EnsembleInputError.js';
import { ByteBpeTokenizer, CharTokenizer } from '../support/testTokenizers.js';

const char = new CharTokenizer();
const bpe = new ByteBpeTokenizer();
const vocab = UnionVocabulary.fromTokenizers([char, bpe]);
const anyText = fc.string({ unit: 'binary', maxLength: 40 });

test('test tokenizers round-trip their own text', () => {
  fc.assert(
    fc.property(anyText, (s) => {
      assert.equal(char.decode(char.encode(s)), s);
      assert.equal(bpe.decode(bpe.encode(s)), s);
    }),
    { numRuns: 200 },
  );
});

test('every model token maps to exactly one union id with the same bytes; specials other than EOS map to -1', () => {
  for (const [m, tok] of [char, bpe].entries()) {
    const map = vocab.modelToUnion[m];
    assert.equal(map.length, tok.vocabSize);
    for (let id = 0; id < tok.vocabSize; id++) {
      const u = map[id];
      if (id === tok.specialTokens.eos) assert.equal(u, UnionVocabulary.EOS);
      else if (tok.tokenBytes(id).length === 0) assert.equal(u, -1);
      else {
        assert.ok(u > 0 && u < vocab.size);
        assert.deepEqual(vocab.bytes(u), tok.tokenBytes(id));
      }
    }
  }
});

test('random vocabularies: every model token maps to exactly one union id carrying its bytes, and text round-trips', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }), { maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 12 }),
      anyText,
      (merges, alphabet, text) => {
        const toks = [new ByteBpeTokenizer(merges), new CharTokenizer(alphabet)];
        const v = UnionVocabulary.fromTokenizers(toks);
        toks.forEach((tok, m) => {
          for (let id = 0; id < tok.vocabSize; id++) {
            const u = v.modelToUnion[m][id];
            if (tok.tokenBytes(id).length > 0) assert.deepEqual(v.bytes(u), tok.tokenBytes(id));
            else assert.ok(u === -1 || (u === UnionVocabulary.EOS && id === tok.specialTokens.eos));
          }
          assert.equal(v.decode(v.mapIds(m, tok.encode(text))), text);
        });
      },
    ),
    { numRuns: 200 },
  );
});

test('union entries are distinct byte strings and shared tokens get one id', () => {
  const seen = new Set<string>();
  for (let u = 1; u < vocab.size; u++) {
    const k = Array.from(vocab.bytes(u)).join(',');
    assert.ok(!seen.has(k), `duplicate union entry ${k}`);
    seen.add(k);
  }
  const a = vocab.modelToUnion[0][char.tokenToId('a')!];
  assert.equal(vocab.modelToUnion[1][bpe.tokenToId('a')!], a);
  const space = vocab.modelToUnion[0][char.tokenToId('▁')!];
  assert.equal(vocab.modelToUnion[1][bpe.tokenToId('Ġ')!], space);
  assert.equal(vocab.text(space), ' ');
});

test('building twice gives the same vocabulary (order of first appearance)', () => {
  const again = UnionVocabulary.fromTokenizers([new CharTokenizer(), new ByteBpeTokenizer()]);
  assert.equal(again.size, vocab.size);
  assert.deepEqual(again.modelToUnion, vocab.modelToUnion);
});

test('decode(map(ids)) round-trips the text for every model (any Unicode)', () => {
  fc.assert(
    fc.property(anyText, (s) => {
      for (const [m, tok] of [char, bpe].entries()) {
        const ids = tok.encode(s);
        assert.equal(vocab.decode(vocab.mapIds(m, ids)), s);
      }
    }),
    { numRuns: 300 },
  );
});

test('re-tokenising a union-token stream for another model reproduces the text (pending bytes for partial UTF-8)', () => {
  fc.assert(
    fc.property(anyText, fc.integer({ min: 0, max: 1 }), (s, src) => {
      const srcTok = [char, bpe][src];
      const unionIds = vocab.mapIds(src, srcTok.encode(s));
      for (const [m, tok] of [char, bpe].entries()) {
        const pending = vocab.newPending();
        const ids: number[] = [];
        for (const u of unionIds) ids.push(...vocab.retokenize(m, u, pending));
        assert.equal(pending.bytes.length, 0, 'a complete text leaves nothing pending');
        assert.equal(tok.decode(ids), s);
      }
    }),
    { numRuns: 300 },
  );
});

test('a partial UTF-8 byte is held back for a model without that byte token, then completed', () => {
  // A char-level model without byte fallback for 'ü' still gets the character once both bytes arrive.
  const noFallback = new CharTokenizer('abü');
  const v = UnionVocabulary.fromTokenizers([bpe, noFallback]);
  const first = v.modelToUnion[0][bpe.encode('ü')[0]];
  const second = v.modelToUnion[0][bpe.encode('ü')[1]];
  const pending = v.newPending();
  // Model 1 has <0xC3> as a byte-fallback token: the direct rule applies there.
  assert.deepEqual(v.retokenize(1, first, pending), [noFallback.tokenToId('<0xC3>')]);
  // A model that must re-encode holds the lead byte back.
  const p2 = v.newPending();
  const onlyChars = UnionVocabulary.fromTokenizers([bpe, new OnlyCharsTokenizer()]);
  assert.deepEqual(onlyChars.retokenize(1, first, p2), []);
  assert.deepEqual(p2.bytes, [0xc3]);
  const ids = onlyChars.retokenize(1, second, p2);
  assert.equal(onlyChars.tokenizers[1].decode(ids), 'ü');
  assert.deepEqual(p2.bytes, []);
});

test('re-encode path: a byte-split stream re-tokenised for a chars-only model reproduces the text', () => {
  const only = new OnlyCharsTokenizer();
  const v = UnionVocabulary.fromTokenizers([bpe, only]);
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('a', 'b', 'ü'), maxLength: 20 }), (s) => {
      const pending = v.newPending();
      const ids: number[] = [];
      for (const u of v.mapIds(0, bpe.encode(s))) ids.push(...v.retokenize(1, u, pending));
      assert.equal(pending.bytes.length, 0);
      assert.equal(only.decode(ids), s);
    }),
    { numRuns: 200 },
  );
});

test("EOS re-tokenises to each model's EOS and flushes pending bytes", () => {
  const pending = vocab.newPending();
  assert.deepEqual(vocab.retokenize(0, UnionVocabulary.EOS, pending), [char.specialTokens.eos]);
  assert.deepEqual(vocab.retokenize(1, UnionVocabulary.EOS, pending), [bpe.specialTokens.eos]);
  assert.equal(vocab.text(UnionVocabulary.EOS), '');
});

test('completeUtf8Prefix never cuts a complete string and holds back only an unfinished character', () => {
  const enc = new TextEncoder();
  fc.assert(
    fc.property(anyText, fc.nat(), (s, k) => {
      const bytes = Array.from(enc.encode(s));
      assert.equal(completeUtf8Prefix(bytes), bytes.length);
      const cut = bytes.slice(0, bytes.length === 0 ? 0 : k % (bytes.length + 1));
      const c = completeUtf8Prefix(cut);
      assert.ok(c <= cut.length && cut.length - c <= 3);
      // The kept prefix decodes without a replacement character.
      const kept = new TextDecoder().decode(Uint8Array.from(cut.slice(0, c)));
      assert.ok(!kept.includes('\uFFFD') || s.includes('\uFFFD'));
    }),
    { numRuns: 300 },
  );
});

test('arbitrary strings (lone surrogates, controls, empty) never crash the vocabulary', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 30 }), (s) => {
      for (const [m, tok] of [char, bpe].entries()) {
        const u = vocab.mapIds(m, tok.encode(s));
        const text = vocab.decode(u);
        assert.equal(typeof text, 'string');
        const pending = vocab.newPending();
        for (const id of u) for (const t of vocab.retokenize(1 - m, id, pending)) assert.ok(t >= 0 && t < [char, bpe][1 - m].vocabSize);
        vocab.flush(1 - m, pending);
      }
    }),
    { numRuns: 200 },
  );
  assert.equal(vocab.decode([]), '');
  assert.deepEqual(vocab.mapIds(0, []), new Int32Array(0));
});

test('an empty tokenizer list is a ConfigError', () => {
  assert.throws(() => UnionVocabulary.fromTokenizers([]), /tokenizers/);
});

test('out-of-range union ids and model indices are EnsembleInputErrors naming the value', () => {
  const v = UnionVocabulary.fromTokenizers([new CharTokenizer(), new ByteBpeTokenizer()]);
  const named = (what: string) => (e: unknown) => e instanceof EnsembleInputError && e.argument === what && /outside/.test(e.message);
  for (const u of [-1, 1.5, NaN, v.size, 1e9]) {
    assert.throws(() => v.bytes(u), named(`union id ${u}`));
    assert.throws(() => v.text(u), named(`union id ${u}`));
    assert.throws(() => v.decode([u > 0 ? u : 1e9]), EnsembleInputError);
  }
  for (const m of [-1, 0.5, 2, NaN]) {
    assert.throws(() => v.mapIds(m, [0]), named(`model ${m}`));
    assert.throws(() => v.retokenize(m, 1), named(`model ${m}`));
    assert.throws(() => v.flush(m, { bytes: [0xc3] }), named(`model ${m}`));
  }
});

/** A tokenizer with only whole characters (no byte tokens): forces the re-encode path. */
class OnlyCharsTokenizer extends CharTokenizer {
  constructor() {
    super('abü');
  }
  override tokenBytes(id: number): Uint8Array {
    return (this.idToToken(id) ?? '').startsWith('<0x') ? new Uint8Array(0) : super.tokenBytes(id);
  }
}
