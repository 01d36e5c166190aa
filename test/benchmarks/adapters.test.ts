import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('benchmarks/adapters.ts --smoke exits 0 and prints its ratio lines', () => {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'benchmarks/adapters.ts', '--smoke'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /ratio KV cache \/ full prefix tokens\/s: \d+\.\d+x @16, \d+\.\d+x @64, \d+\.\d+x @128/);
  assert.match(res.stdout, /ratio HTTP \/ direct ONNX time per token: \d+\.\d+x @16/);
});
