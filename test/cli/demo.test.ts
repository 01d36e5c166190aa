import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, onlyRun } from '../support/cliHarness.js';

test('demo --quick trains PPO and MAPPO on the bundled models and writes the whole run folder', () => {
  const out = mkdtempSync(join(tmpdir(), 'leg-demo-'));
  try {
    const r = cli(['demo', '--quick', '--steps', '128', '--train-items', '8', '--test-items', '6', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    for (const m of ['alone', 'uniform weights', 'best fixed weights', 'PPO', 'MAPPO', 'oracle switching']) assert.ok(r.stdout.includes(m), `table has ${m}`);
    assert.match(r.stdout, /tokens\/s/);
    const run = onlyRun(out);
    for (const f of [
      'config.json',
      'metrics.jsonl',
      'results.json',
      'checkpoints/ppo.json',
      'checkpoints/mappo.json',
      'plots/learning-curves.png',
      'plots/weights.png',
      'plots/accuracy.png',
    ]) {
      assert.ok(existsSync(join(run, f)), f);
    }
    const res = JSON.parse(readFileSync(join(run, 'results.json'), 'utf8')) as { rows: { method: string; accuracy: number; tokensPerSecond: number }[] };
    for (const row of res.rows) {
      assert.ok(row.accuracy >= 0 && row.accuracy <= 1, row.method);
      assert.ok(row.tokensPerSecond > 0, row.method);
    }
    const algos = new Set(
      readFileSync(join(run, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { algo: string }).algo),
    );
    assert.deepEqual([...algos].sort(), ['mappo', 'ppo']);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
