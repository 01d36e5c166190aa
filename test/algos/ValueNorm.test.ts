import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValueNorm } from '../../src/algos/ValueNorm.js';
import { ConfigError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/Rng.js';

const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('exact (default) mode: the running mean and variance of every target, whatever the batching', () => {
  const rng = new Rng(3);
  const xs = Array.from({ length: 1000 }, () => 5 + 2 * rng.normal());
  const vn = new ValueNorm();
  for (let i = 0; i < xs.length; i += 37) vn.update(xs.slice(i, i + 37));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  close(vn.state().mean, mean, 1e-9, 'mean');
  close(vn.state().var, variance, 1e-9, 'var');
  close(vn.denormalize(vn.normalize(1.5)), 1.5, 1e-12, 'round trip');
});

test("ema mode matches MAPPO's valuenorm.py update (β-moving averages, debiasing, variance floor)", () => {
  const beta = 0.9;
  const vn = new ValueNorm({ mode: 'ema', beta });
  // Reference written from on-policy/onpolicy/utils/valuenorm.py (per_element_update=False).
  let rm = 0,
    rsq = 0,
    deb = 0;
  const batches = [[1, 2, 3], [10, 10], [0.5], [4, -4, 4, -4]];
  for (const b of batches) {
    vn.update(b);
    const m = b.reduce((a, x) => a + x, 0) / b.length;
    const sq = b.reduce((a, x) => a + x * x, 0) / b.length;
    rm = rm * beta + m * (1 - beta);
    rsq = rsq * beta + sq * (1 - beta);
    deb = deb * beta + (1 - beta);
    const dm = rm / Math.max(deb, 1e-5);
    const dv = Math.max(rsq / Math.max(deb, 1e-5) - dm * dm, 1e-2);
    close(vn.state().mean, dm, 1e-12, 'debiased mean');
    close(vn.state().var, dv, 1e-12, 'debiased var');
    close(vn.normalize(7), (7 - dm) / Math.sqrt(dv), 1e-12, 'normalize');
  }
  // Unlike the exact mode, it forgets: after many batches of 100 the mean is near 100, not the all-time mean.
  for (let i = 0; i < 200; i++) vn.update([100]);
  assert.ok(vn.state().mean > 99, String(vn.state().mean));
  // state() / load() restore it exactly.
  const copy = new ValueNorm({ mode: 'ema', beta });
  copy.load(JSON.parse(JSON.stringify(vn.state())));
  vn.update([3, 4]);
  copy.update([3, 4]);
  close(copy.state().mean, vn.state().mean, 1e-9, 'restored mean');
  close(copy.state().var, vn.state().var, 1e-9, 'restored var');
});

test('bad options are rejected', () => {
  assert.throws(
    () => new ValueNorm({ beta: 1 }),
    (e: unknown) => e instanceof ConfigError && e.field === 'valueNorm.beta',
  );
  assert.throws(
    () => new ValueNorm({ mode: 'nope' as never }),
    (e: unknown) => e instanceof ConfigError && e.field === 'valueNorm.mode',
  );
});
