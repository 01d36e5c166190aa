import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('benchmarks/demo-accuracy.ts --smoke exits 0 and prints the table and its ratio line', () => {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'benchmarks/demo-accuracy.ts', '--smoke'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, LEG_QUIET: '1' },
  });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /best fixed weights/);
  assert.match(res.stdout, /ratio learned vs best fixed weights: PPO -?\d+\.\d points, MAPPO -?\d+\.\d points/);
});
