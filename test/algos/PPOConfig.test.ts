import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PPO_DEFAULTS, resolvePPOConfig } from '../../src/algos/PPOConfig.js';
import { ConfigError } from '../../src/core/errors.js';

test('resolvePPOConfig fills every documented default', () => {
  assert.deepEqual({ ...resolvePPOConfig({}) }, { ...PPO_DEFAULTS, hidden: [...PPO_DEFAULTS.hidden] });
  assert.equal(resolvePPOConfig({ algo: 'ppo', clipCoef: 0.1 }).clipCoef, 0.1);
});

test('resolvePPOConfig names the bad field', () => {
  const bad: [string, unknown][] = [
    ['clipCoef', -1],
    ['gamma', 2],
    ['algo', 'a2c'],
    ['numMinibatches', 0.5],
    ['targetKl', 0],
    ['hidden', []],
    ['annealLr', 'yes'],
  ];
  for (const [field, value] of bad) {
    assert.throws(
      () => resolvePPOConfig({ [field]: value } as never),
      (e: unknown) => e instanceof ConfigError && e.field === `ppo.${field}`,
      field,
    );
  }
  assert.throws(
    () => resolvePPOConfig({ clipcoef: 0.2 } as never),
    (e: unknown) => e instanceof ConfigError && e.field === 'ppo.clipcoef' && /known fields/.test(e.message),
  );
});

test('any valid learning rate and clip coefficient resolve unchanged', () => {
  fc.assert(
    fc.property(fc.double({ min: 1e-6, max: 1, noNaN: true }), fc.double({ min: 1e-3, max: 10, noNaN: true }), (lr, clip) => {
      const c = resolvePPOConfig({ learningRate: lr, clipCoef: clip });
      return c.learningRate === lr && c.clipCoef === clip;
    }),
    { numRuns: 200 },
  );
});
