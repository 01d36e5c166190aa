import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('benchmarks/train-ab.ts --smoke against this checkout exits 0 and prints its ratio line; without --base it says what to pass', () => {
  const env = { ...process.env, LEG_QUIET: '1' };
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'benchmarks/train-ab.ts', '--base', '.', '--smoke'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
    env,
  });
  assert.equal(res.status, 0, res.stderr);
  assert.match(
    res.stdout,
    /ratio base \/ this time per iteration \(ppo, median of \d+ pairs\): wall \d+\.\d+x, CPU \d+\.\d+x, rollout \d+\.\d+x, update \d+\.\d+x/,
  );
  const bare = spawnSync(process.execPath, ['--import', 'tsx', 'benchmarks/train-ab.ts'], { cwd: root, encoding: 'utf8', timeout: 60_000, env });
  assert.equal(bare.status, 2);
  assert.match(bare.stderr, /pass --base DIR/);
});
