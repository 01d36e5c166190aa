import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('benchmarks/batching.ts --smoke exits 0 and prints its ratio line', () => {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'benchmarks/batching.ts', '--smoke'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /ratio 8 sessions \/ 1 session tokens\/s: \d+\.\d+x OnnxCausalLM:tiny-rev-char/);
});
