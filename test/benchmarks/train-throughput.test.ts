import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

test('benchmarks/train-throughput.ts --smoke runs and prints its throughput line', () => {
  const root = new URL('../../', import.meta.url).pathname;
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'benchmarks/train-throughput.ts', '--smoke'], { cwd: root, encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /end to end over \d+ steps: PPO \d+ env steps\/s \(target 5000\), MAPPO\+focal \d+ env steps\/s \(target 1000\); over the first 4096: PPO (\d+|n\/a), MAPPO\+focal (\d+|n\/a); evaluation \d+\.\d+ s per 1000 items/,
  );
  assert.match(r.stdout, /PPO decoding \(bundled models\)/);
});
