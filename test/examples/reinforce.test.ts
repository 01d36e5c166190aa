import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainReinforce } from '../../examples/reinforce.js';

test('examples/reinforce.ts: a user-written algorithm on the public env API learns the coordination game', async () => {
  const blocks = await trainReinforce({ episodes: 400, seed: 0 });
  assert.equal(blocks.length, 8);
  assert.ok(blocks[0] < 0.5, `first block ${blocks[0]}`);
  assert.ok(blocks[blocks.length - 1] >= 0.9, `last block ${blocks[blocks.length - 1]}`);
});
