import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

test('benchmarks/envs-answer.ts --smoke runs and prints its ratio line', () => {
  const root = new URL('../../', import.meta.url).pathname;
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'benchmarks/envs-answer.ts', '--smoke'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /ratio vector \/ single: \d+\.\d+x; best batch VectorEnv x\d+ \(same-step\): \d+ agent-steps\/s/);
  assert.match(r.stdout, /single env \(reset \+ step\)/);
});
