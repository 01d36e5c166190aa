import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, onlyRun, withSyntheticAnswers } from '../support/cliHarness.js';

test('fit-answers on a synthetic data file: every baseline and the learned fusion, overall and per task, in the table and the run folder', () => {
  withSyntheticAnswers('leg-fit-', { numItems: 160, seed: 1 }, (dir, data) => {
    const out = join(dir, 'runs');
    const r = cli(['fit-answers', '--data', data, '--algo', 'mappo', '--fusion', 'linear', '--steps', '512', '--num-envs', '4', '--seed', '1', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const methods = [
      'expert_a alone',
      'uniform weights',
      'best single model',
      'per-task best single',
      'plurality vote',
      'mean of scores',
      'best fixed weights',
      'stacked softmax regression (global)',
      'stacked softmax regression (per task)',
      'oracle (any model right)',
      'MAPPO learned fusion (linear)',
    ];
    for (const m of methods) assert.ok(r.stdout.includes(m), `table has ${m}`);
    assert.match(r.stdout, /per task \(test accuracy %; a = a, b = b\)/);
    const run = onlyRun(out);
    const results = JSON.parse(readFileSync(join(run, 'results.json'), 'utf8')) as {
      rows: { method: string; accuracy: number; perTask: Record<string, number> }[];
      tasks: string[];
      curve: unknown[];
    };
    assert.deepEqual(
      results.rows
        .map((row) => row.method)
        .filter((m) => methods.includes(m))
        .sort(),
      [...methods].sort(),
    );
    for (const row of results.rows) {
      assert.ok(row.accuracy >= 0 && row.accuracy <= 1, `${row.method} accuracy in [0, 1]`);
      assert.deepEqual(Object.keys(row.perTask).sort(), results.tasks, `${row.method} has a per-task accuracy for every task`);
    }
    assert.ok(results.curve.length > 0, 'the learning curve has points');
    for (const f of ['config.json', 'metrics.jsonl', 'checkpoint.json', 'plots/learning-curves.png', 'plots/accuracy.png'])
      assert.ok(existsSync(join(run, f)), f);
  });
});

test('fit-answers --focal reports the sub-ensemble size and how often each model was chosen', () => {
  withSyntheticAnswers('leg-fit-focal-', { numItems: 120, seed: 2 }, (dir, data) => {
    const out = join(dir, 'runs');
    const r = cli(['fit-answers', '--data', data, '--focal', '--steps', '512', '--num-envs', '4', '--seed', '2', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /decider \+ fusion .*\[chosen: expert_a \d+(\.\d)?%, expert_b/);
    const results = JSON.parse(readFileSync(join(onlyRun(out), 'results.json'), 'utf8')) as {
      rows: { method: string; meanSize: number; selectionFrequency?: number[] }[];
    };
    const focal = results.rows.find((row) => row.selectionFrequency)!;
    assert.equal(focal.selectionFrequency!.length, 3);
    assert.ok(focal.meanSize >= 1 && focal.meanSize <= 3);
    assert.ok(Math.abs(focal.selectionFrequency!.reduce((a, b) => a + b, 0) - focal.meanSize) < 1e-9, 'frequencies add up to the mean size');
  });
});
