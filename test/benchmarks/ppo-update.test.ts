import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

test('benchmarks/ppo-update.ts --smoke exits 0 and prints its ratio line', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'benchmarks/ppo-update.ts', '--smoke'], {
    encoding: 'utf8',
    env: { ...process.env, LEG_QUIET: '1' },
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ratio: .+samples\/s/m);
  assert.match(r.stdout, /tfjs\/onnx b1/);
  assert.match(r.stdout, /rollout\/update/);
});
