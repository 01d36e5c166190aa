import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/initBackend.js';
import { solveCoordination } from '../support/solveCoordination.js';

await initBackend();

test('MAPPO (shared actor, centralized critic on env.state()) solves CoordinationGameEnv to >= 95 % success', async () => {
  const rate = await solveCoordination('mappo', { shareParameters: true });
  assert.ok(rate >= 0.95, `success rate ${rate}`);
});
