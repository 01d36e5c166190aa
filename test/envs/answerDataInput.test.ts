import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAnswerData } from '../../src/envs/answerData.js';

const models = ['m0', 'm1'];

test('huge finite scores are normalised to sum 1 (scaled by the maximum before summing)', () => {
  const items = [{ id: 'q', label: 0, scores: [[1.797e308, 1.797e308, 0.1], [5e-324, 0, 0]] }];
  const data = parseAnswerData(JSON.stringify({ models, items }), 'data.json');
  const [huge, tiny] = data.items[0].probs;
  assert.deepEqual(Array.from(huge), [0.5, 0.5, 0]);
  assert.deepEqual(Array.from(tiny), [1, 0, 0], 'a subnormal maximum still normalises');
});
