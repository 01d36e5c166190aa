import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { makeSumReverseTask, sumReverseItem, sumReverseTask } from '../../../src/ensemble/tasks/sumReverseTask.js';
import { splitOf } from '../../../src/ensemble/tasks/splitOf.js';
import type { Split } from '../../../src/ensemble/tasks/Task.js';

const SPLITS: Split[] = ['train', 'validation', 'test'];

test('the example item has the documented prompt, answer and segments', () => {
  const item = sumReverseItem({ a: 37, b: 8, word: 'dcab' });
  assert.equal(item.prompt, '37+8 dcab =');
  assert.equal(item.answer, ' 45 ; bacd\n');
  assert.deepEqual(
    item.segments.map((s) => item.answer.slice(s.start, s.end)),
    ['45', 'bacd'],
  );
  assert.ok(item.answer.endsWith(sumReverseTask.endOfAnswer));
});

test('items are deterministic per (split, n, seed), distinct, and in their split', () => {
  fc.assert(
    fc.property(fc.constantFrom(...SPLITS), fc.integer({ min: 0, max: 40 }), fc.integer(), (split, n, seed) => {
      const a = sumReverseTask.items(split, n, seed);
      assert.deepEqual(a, sumReverseTask.items(split, n, seed));
      assert.equal(a.length, n);
      assert.equal(new Set(a.map((x) => x.prompt)).size, n);
      for (const x of a) assert.equal(splitOf(x.prompt), split);
    }),
    { numRuns: 200 },
  );
});

test('train, validation and test never share a question', () => {
  const sets = SPLITS.map((s) => new Set(sumReverseTask.items(s, 2000, 7).map((x) => x.prompt)));
  for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) for (const p of sets[i]) assert.ok(!sets[j].has(p));
});

test('score: the reference scores 1, with or without the marker or surrounding spaces; any segment wrong scores 0', () => {
  fc.assert(
    fc.property(fc.integer(), (seed) => {
      const [item] = sumReverseTask.items('test', 1, seed);
      assert.equal(sumReverseTask.score(item.answer, item), 1);
      assert.equal(sumReverseTask.score(item.answer.trim(), item), 1);
      assert.equal(sumReverseTask.score(`${item.answer}trailing junk`, item), 1);
      const [sum, word] = item.segments.map((s) => s.text);
      const wrongSum = ` ${Number(sum) + 1} ; ${word}\n`;
      assert.equal(sumReverseTask.score(wrongSum, item), 0);
      assert.deepEqual(
        sumReverseTask.segmentScores(wrongSum, item).map((s) => s.correct),
        [false, true],
      );
      assert.deepEqual(
        sumReverseTask.segmentScores(item.answer, item).map((s) => s.correct),
        [true, true],
      );
      assert.equal(sumReverseTask.score(item.answer.slice(0, -2), item), 0);
    }),
    { numRuns: 200 },
  );
});

test('rule variants keep the questions and change only their segment', () => {
  const copy = makeSumReverseTask({ sum: 'sum', word: 'copy' });
  const rsum = makeSumReverseTask({ sum: 'reversed-sum', word: 'reverse' });
  const base = sumReverseTask.items('train', 50, 3);
  const c = copy.items('train', 50, 3);
  const r = rsum.items('train', 50, 3);
  for (let i = 0; i < base.length; i++) {
    assert.equal(c[i].prompt, base[i].prompt);
    assert.equal(c[i].segments[0].text, base[i].segments[0].text);
    assert.equal(c[i].segments[1].text, [...base[i].segments[1].text].reverse().join(''));
    assert.equal(r[i].segments[0].text, [...base[i].segments[0].text].reverse().join(''));
    assert.equal(r[i].segments[1].text, base[i].segments[1].text);
  }
});

test('segmentIndexAt counts separators', () => {
  assert.equal(sumReverseTask.segmentIndexAt(''), 0);
  assert.equal(sumReverseTask.segmentIndexAt(' 45 '), 0);
  assert.equal(sumReverseTask.segmentIndexAt(' 45 ;'), 1);
  assert.equal(sumReverseTask.segmentIndexAt(' 45 ; ba;'), 1);
});

test('items rejects a negative count with a ConfigError', () => {
  assert.throws(() => sumReverseTask.items('train', -1, 0), /config field "n"/);
});
