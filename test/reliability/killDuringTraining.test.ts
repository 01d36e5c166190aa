// The real training loop under SIGKILL: a child runs Trainer (MAPPO, a checkpoint and a metrics line
// every iteration) and is killed at a seeded random moment after its second checkpoint; the latest
// checkpoint must load, training must resume from it here, and the metrics file must read back
// (a torn last line skipped with a warning, never an error); after the resumed Trainer's iteration it
// holds each iteration exactly once, with no torn line. One child only: it loads tfjs, which
// takes seconds (killDuringCheckpoint.test.ts kills the checkpoint writer itself 50 times).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../src/backend/initBackend.js';
import { readCheckpoint, resumeFromCheckpoint } from '../../src/algos/checkpoint.js';
import { Trainer } from '../../src/algos/Trainer.js';
import { Rng } from '../../src/core/Rng.js';
import { readJsonl } from '../../src/core/readJsonl.js';
import { readMetricsJsonl } from '../../src/viz/MetricsRecord.js';
import { crashRunEnvs } from './crashRun.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('SIGKILL during training: the latest checkpoint loads, training resumes from it, metrics read back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'leg-kill-train-'));
  try {
    const delay = new Rng('kill-during-training').uniform(0, 40);
    const run = await new Promise<{ lastSaved: number; signal: NodeJS.Signals | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/reliability/trainerChild.ts', dir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '',
        err = '',
        lastSaved = -1;
      const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        for (const m of out.matchAll(/saved (\d+)\n/g)) lastSaved = Math.max(lastSaved, Number(m[1]));
        if (lastSaved >= 2) setTimeout(() => child.kill('SIGKILL'), delay);
      });
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('exit', (_code, signal) => {
        clearTimeout(timer);
        resolve({ lastSaved, signal, stderr: err });
      });
    });
    assert.equal(run.signal, 'SIGKILL', run.stderr);
    assert.ok(run.lastSaved >= 2, run.stderr);
    const path = join(dir, 'ckpt.json');
    const state = readCheckpoint(path);
    assert.ok(state.iteration >= run.lastSaved && state.iteration <= run.lastSaved + 1);
    const metricsPath = join(dir, 'metrics.jsonl');
    const { records, warnings } = await readJsonl<{ iteration: number }>(metricsPath);
    assert.ok(warnings.length <= 1);
    assert.deepEqual(
      records.map((r) => r.iteration),
      Array.from({ length: records.length }, (_, i) => i + 1),
    );
    // Trainer appends the metrics line before it writes the checkpoint, so the log may be one iteration ahead.
    assert.ok(records.length >= state.iteration - 1 && records.length <= state.iteration + 1);
    await initBackend({ force: 'cpu' });
    const algo = await resumeFromCheckpoint(path, crashRunEnvs());
    assert.equal(algo.iteration, state.iteration);
    const [m] = await new Trainer(algo, { metricsPath }).run(1);
    assert.equal(m.iteration, state.iteration + 1);
    algo.dispose();
    // The resumed Trainer cut what the crash left after the checkpoint before appending its own line.
    const after = await readJsonl<{ iteration: number }>(metricsPath);
    assert.deepEqual(after.warnings, []);
    assert.deepEqual(
      after.records.map((r) => r.iteration),
      Array.from({ length: m.iteration }, (_, i) => i + 1),
    );
    // Every line, before and after the resume, is a metrics record the plots read (algo and step).
    assert.deepEqual(
      readMetricsJsonl(metricsPath).map((r) => [r.algo, r.step]),
      after.records.map((r) => ['mappo', (r as unknown as { globalStep: number }).globalStep]),
    );
    const temps = readdirSync(dir).filter((f) => f.includes('.tmp'));
    console.log(
      `reliability: trainer killed after iteration ${run.lastSaved}; checkpoint at ${state.iteration} loaded and resumed to ${m.iteration}; ${records.length} metrics lines, ${warnings.length} torn; ${temps.length} temp files left`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
