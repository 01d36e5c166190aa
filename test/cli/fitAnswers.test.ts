import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, onlyRun, withSyntheticAnswers } from '../support/cliHarness.js';

test('fit-answers on a synthetic data file: baselines and the learned fusion in one table and a run folder', () => {
  withSyntheticAnswers('leg-fit-', { numItems: 160, seed: 1 }, (dir, data) => {
    const out = join(dir, 'runs');
    const r = cli(['fit-answers', '--data', data, '--algo', 'mappo', '--steps', '256', '--seed', '1', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    for (const m of ['expert_a alone', 'uniform weights', 'best fixed weights', 'plurality vote', 'stacked logistic regression', 'MAPPO (fusion)']) assert.ok(r.stdout.includes(m), `table has ${m}`);
    const run = onlyRun(out);
    const results = JSON.parse(readFileSync(join(run, 'results.json'), 'utf8')) as { rows: { method: string; accuracy: number }[] };
    assert.equal(results.rows.length, 8);
    for (const row of results.rows) assert.ok(row.accuracy >= 0 && row.accuracy <= 1, `${row.method} accuracy in [0, 1]`);
    for (const f of ['config.json', 'metrics.jsonl', 'checkpoint.json', 'plots/learning-curves.png', 'plots/accuracy.png']) assert.ok(existsSync(join(run, f)), f);
  });
});

