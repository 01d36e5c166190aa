import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { exactMatch, lastNumber, lastNumberMatch, makeScorer, normalizeAnswer, optionIndex, optionLetter } from '../../src/ensemble/scorers.js';
import { ConfigError } from '../../src/core/errors.js';
import { EnsembleInputError } from '../../src/ensemble/EnsembleInputError.js';

test('exact match normalises case and whitespace by default, punctuation and articles on request', () => {
  assert.equal(exactMatch('  Paris\n', 'paris'), 1);
  assert.equal(exactMatch('Paris.', 'paris'), 0);
  assert.equal(exactMatch('Paris.', 'paris', { stripPunctuation: true }), 1);
  assert.equal(exactMatch('The Eiffel  tower', 'eiffel tower', { stripArticles: true }), 1);
  assert.equal(exactMatch('Paris', 'paris', { ignoreCase: false }), 0);
  assert.equal(exactMatch('１２', '12'), 1, 'NFKC folds full-width digits');
  assert.equal(normalizeAnswer(' A  b '), 'a b');
});

test('last number: signs, decimals, thousands commas, none', () => {
  assert.equal(lastNumber('so 3 apples and 4.5 pears'), 4.5);
  assert.equal(lastNumber('total: 1,234,567 dollars'), 1234567);
  assert.equal(lastNumber('it is -12'), -12);
  assert.equal(lastNumber('about .5'), 0.5);
  assert.equal(lastNumber('no digits'), null);
  assert.equal(lastNumberMatch('The answer is 42.', '42'), 1);
  assert.equal(lastNumberMatch('41', '42'), 0);
  assert.equal(lastNumberMatch('nothing', '42'), 0);
});

test('option letter extraction prefers an explicit answer and respects the option count', () => {
  assert.equal(optionLetter('The answer is (B).', 4), 1);
  assert.equal(optionLetter('Answer: c', 4), null, 'a bare lower-case letter is not an option');
  assert.equal(optionLetter('answer: (c)', 4), 2);
  assert.equal(optionLetter('A looks odd, so D.', 4), 3);
  assert.equal(optionLetter('Answer: E', 4), null);
  assert.equal(optionLetter('no idea', 4), null);
  assert.equal(optionIndex('option 2', 4), 1);
  assert.equal(optionIndex('option 0', 4, 0), 0);
  assert.equal(optionIndex('option 9', 4), null);
});

test('makeScorer: built-ins and checked user functions', () => {
  assert.equal(makeScorer('exact')('Yes', 'yes'), 1);
  assert.equal(makeScorer('number')('x = 7', '7'), 1);
  assert.equal(makeScorer('option', { numOptions: 4 })('answer is B', 'B'), 1);
  assert.equal(makeScorer((p, r) => (p.length === r.length ? 0.5 : 0))('ab', 'cd'), 0.5);
  assert.throws(() => makeScorer(() => NaN)('a', 'b'), ConfigError);
  assert.throws(() => makeScorer('nope' as 'exact'), ConfigError);
});

test('optionLetter: numOptions outside 1..26 is an EnsembleInputError naming numOptions', () => {
  for (const n of [0, -1, 27, 2.5, NaN]) {
    assert.throws(
      () => optionLetter('answer is B', n),
      (e: unknown) => e instanceof EnsembleInputError && e.argument === 'numOptions' && /1\.\.26/.test(e.message),
    );
  }
  assert.equal(optionLetter('answer is Z', 26), 25);
});

test('scorers never throw on arbitrary text and return 0 or 1', () => {
  const s = [makeScorer('exact'), makeScorer('number'), makeScorer('option', { numOptions: 5 })];
  fc.assert(
    fc.property(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), (a, b) => {
      for (const f of s) assert.ok([0, 1].includes(f(a, b)));
      const o = optionLetter(a, 5);
      assert.ok(o === null || (o >= 0 && o < 5));
      assert.equal(exactMatch(a, a), 1);
    }),
    { numRuns: 300 },
  );
});
