import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, onlyRun, withSyntheticAnswers } from '../support/cliHarness.js';

test('train on recorded answers writes a checkpoint that eval scores on the test split and export turns into ONNX', () => {
  withSyntheticAnswers('leg-train-', { numItems: 120, seed: 2 }, (dir, data) => {
    const out = join(dir, 'runs');
    const cfg = join(dir, 'run.json');
    writeFileSync(cfg, JSON.stringify({ env: 'answer', algo: 'ppo', steps: 256, ppo: { numSteps: 64 } }));
    const t = cli(['train', '--config', cfg, '--data', data, '--out', out]);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /test accuracy %/);
    const run = onlyRun(out);
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as { steps: number; algo: string; data: string };
    assert.equal(config.steps, 256);
    assert.equal(config.algo, 'ppo');
    const e = cli(['eval', '--checkpoint', join(run, 'checkpoint.json')]);
    assert.equal(e.status, 0, e.stderr);
    assert.match(e.stdout, /answer\s*│\s*ppo\s*│\s*256/);
    const onnxDir = join(dir, 'onnx');
    const x = cli(['export', '--checkpoint', join(run, 'checkpoint.json'), '--out', onnxDir]);
    assert.equal(x.status, 0, x.stderr);
    const manifest = JSON.parse(readFileSync(join(onnxDir, 'manifest.json'), 'utf8')) as { algo: string; groups: { file: string; members: string[] }[] };
    assert.equal(manifest.algo, 'ppo');
    assert.deepEqual(
      manifest.groups.map((g) => g.members),
      [['joint']],
    );
    assert.ok(readFileSync(join(onnxDir, manifest.groups[0].file)).length > 100);
  });
});
