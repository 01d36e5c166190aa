import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HfTokenizer } from '../../src/models/HfTokenizer.js';
import { logSoftmax } from '../../src/models/logSoftmax.js';
import { TokenTextIndex, tokenText } from '../../src/models/tokenText.js';

const fixture = (name: string): string => new URL(`../fixtures/tokenizers/${name}.json`, import.meta.url).pathname;

test('tokenText shows decoded text, raw strings for specials and lone bytes; the index maps all three forms back', async () => {
  const tok = await HfTokenizer.fromFile(fixture('byte-level-bpe'));
  const the = tok.tokenToId('Ġthe')!;
  assert.equal(tokenText(tok, the), ' the');
  const eos = tok.specialTokens.eos!;
  assert.equal(tokenText(tok, eos), '<|endoftext|>');
  const half = tok.encode('é')[0]; // one byte of a two-byte char: not valid UTF-8 alone
  assert.equal(tokenText(tok, half), tok.idToToken(half));
  const index = new TokenTextIndex(tok);
  assert.equal(index.lookup(' the'), the);
  assert.equal(index.lookup('<|endoftext|>'), eos);
  assert.equal(index.lookup(`token_id:${the}`), the);
  assert.equal(index.lookup('Ġthe'), the);
  assert.equal(index.lookup(tok.idToToken(half)!), half);
  assert.equal(index.lookup(' not-a-token'), undefined);
  assert.equal(index.lookup('token_id:99999'), undefined);
});

test('every id of every fixture tokenizer round-trips through tokenText and the index (property)', async () => {
  for (const name of ['byte-level-bpe', 'metaspace-bpe', 'char-level']) {
    const tok = await HfTokenizer.fromFile(fixture(name));
    const index = new TokenTextIndex(tok);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: tok.vocabSize - 1 }), (id) => {
        const back = index.lookup(tokenText(tok, id));
        // ids that show the same text as an earlier id map to that one; the text is what matters
        assert.equal(tokenText(tok, back!), tokenText(tok, id));
      }),
      { numRuns: 200 },
    );
  }
});

test('logSoftmax gives log-probabilities that sum to 1 and ignores a constant shift (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.float({ min: -50, max: 50, noNaN: true }), { minLength: 1, maxLength: 64 }),
      fc.float({ min: -1e3, max: 1e3, noNaN: true }),
      (xs, c) => {
        const a = logSoftmax(xs);
        const b = logSoftmax(xs.map((x) => x + c));
        const mass = a.reduce((s, x) => s + Math.exp(x), 0);
        assert.ok(Math.abs(mass - 1) < 1e-5);
        a.forEach((x, i) => assert.ok(x <= 1e-6 && Math.abs(x - b[i]) < 1e-3));
      },
    ),
    { numRuns: 200 },
  );
});
