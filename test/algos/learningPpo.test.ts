import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/initBackend.js';
import { solveCoordination } from '../support/solveCoordination.js';

await initBackend();

test('PPO (single agent over the joint action) solves CoordinationGameEnv to >= 95 % success', async () => {
  const rate = await solveCoordination('ppo');
  assert.ok(rate >= 0.95, `success rate ${rate}`);
});
