import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

test('benchmarks/answer-baselines.ts --smoke runs, finds the fast baselines identical to the plain loops and prints its ratios', () => {
  const root = new URL('../../', import.meta.url).pathname;
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'benchmarks/answer-baselines.ts', '--smoke'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /best fixed weights \(normalised scores\) +│ \d+\.\d+ +│ \d+\.\d+ +│ \d+\.\dx +│ yes/);
  assert.match(r.stdout, /stacking CV fits \(12 global fits\) +│ \d+\.\d+ +│ \d+\.\d+ +│ \d+\.\dx +│ yes/);
  assert.match(r.stdout, /answerBaselines: \d+\.\d+ s on \d+ train items, \d+ models; results identical: yes/);
});
