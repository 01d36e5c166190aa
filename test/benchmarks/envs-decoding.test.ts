import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('benchmarks/envs-decoding.ts --smoke exits 0 and prints its ratio line', () => {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'benchmarks/envs-decoding.ts', '--smoke'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /ratio env overhead \/ model time: \d+\.\d+ % incl\. GC pauses, -?\d+\.\d+ % excl\./);
  assert.match(res.stdout, /in adapters ms/);
});
