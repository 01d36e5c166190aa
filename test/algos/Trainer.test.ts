import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { initBackend } from '../../src/backend/initBackend.js';
import { CoordinationGameEnv } from '../../src/envs/CoordinationGameEnv.js';
import { makeAlgorithm } from '../../src/algos/makeAlgorithm.js';
import { Trainer, type TrainerMetrics } from '../../src/algos/Trainer.js';
import { CheckpointError, readCheckpoint, resumeFromCheckpoint, saveCheckpoint } from '../../src/algos/checkpoint.js';
import type { PPOConfig } from '../../src/algos/PPOConfig.js';
import { ConfigError } from '../../src/core/errors.js';
import { JsonlError, readJsonl } from '../../src/core/readJsonl.js';
import type { ParallelEnv } from '../../src/core/ParallelEnv.js';
import { TinyCoordinationEnv } from '../support/TinyCoordinationEnv.js';

await initBackend({ force: 'cpu' });

// horizon 5 with 12-step rollouts: episodes straddle iteration boundaries, so resume must replay them.
const envs = () => [new CoordinationGameEnv({ nAgents: 2, horizon: 5 }), new CoordinationGameEnv({ nAgents: 2, horizon: 5 })];
const CFG: Partial<PPOConfig> = {
  algo: 'mappo',
  seed: 42,
  numSteps: 12,
  totalSteps: 12 * 2 * 8,
  numMinibatches: 2,
  updateEpochs: 2,
  hidden: [16, 16],
  targetKl: 0.5,
};

/** Metrics without the wall-clock fields. */
const strip = (ms: TrainerMetrics[]) => ms.map(({ rolloutSeconds: _r, updateSeconds: _u, stepsPerSecond: _s, ...rest }) => rest);

test('same seed → identical metrics; seed-42 snapshot', async () => {
  const run = async () => {
    const a = makeAlgorithm(envs(), CFG);
    const m = await new Trainer(a).run(3);
    a.dispose();
    return strip(m);
  };
  const [x, y] = [await run(), await run()];
  assert.deepEqual(x, y);
  assert.deepEqual(
    x.map((m) => [m.globalStep, m.episodes, Number(m.episodeReturn?.toFixed(4)), Number(m.valueLoss.toPrecision(4))]),
    SNAPSHOT,
  );
});
const SNAPSHOT = [
  [24, 4, 1.3125, 0.5611],
  [48, 4, 1.3125, 0.5403],
  [72, 6, 1.25, 0.4859],
];

test('resume: N iterations straight == N/2 + checkpoint + resume + N/2 (cpu backend)', async () => {
  const straight = makeAlgorithm(envs(), CFG);
  const full = strip(await new Trainer(straight).run());
  straight.dispose();
  const dir = mkdtempSync(join(tmpdir(), 'leg-ckpt-'));
  const path = join(dir, 'ckpt.json');
  const first = makeAlgorithm(envs(), CFG);
  const half = strip(await new Trainer(first, { checkpointPath: path }).run(4));
  first.dispose();
  const resumed = await resumeFromCheckpoint(path, envs());
  const rest = strip(await new Trainer(resumed).run());
  resumed.dispose();
  assert.equal(full.length, 8);
  assert.deepEqual([...half, ...rest], full);
  assert.deepEqual(readdirSync(dir), ['ckpt.json'], 'no temp files left behind');
});

test('corrupt or mismatched checkpoints raise CheckpointError and overwrite nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'leg-ckpt-'));
  const path = join(dir, 'ckpt.json');
  const a = makeAlgorithm(envs(), CFG);
  await new Trainer(a).run(1);
  saveCheckpoint(path, a);
  a.dispose();
  const good = readFileSync(path, 'utf8');
  assert.equal(readCheckpoint(path).iteration, 1);
  const tampered = join(dir, 'tampered.json');
  writeFileSync(tampered, good.replace('"iteration\\":1', '"iteration\\":2'));
  assert.throws(
    () => readCheckpoint(tampered),
    (e: unknown) => e instanceof CheckpointError && /checksum/.test(e.message),
  );
  const truncated = join(dir, 'truncated.json');
  writeFileSync(truncated, good.slice(0, 100));
  assert.throws(
    () => readCheckpoint(truncated),
    (e: unknown) => e instanceof CheckpointError && /not valid JSON/.test(e.message),
  );
  assert.throws(() => readCheckpoint(join(dir, 'missing.json')), CheckpointError);
  const other = [new CoordinationGameEnv({ nAgents: 3, horizon: 5 }), new CoordinationGameEnv({ nAgents: 3, horizon: 5 })];
  await assert.rejects(resumeFromCheckpoint(path, other), (e: unknown) => e instanceof CheckpointError && /other agents, spaces/.test(e.message));
  await assert.rejects(resumeFromCheckpoint(path, [new CoordinationGameEnv({ nAgents: 2, horizon: 5 })]), CheckpointError);
  assert.equal(readFileSync(path, 'utf8'), good);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('.tmp')),
    [],
    'no temp files left behind',
  );
});

test('tf.memory().numTensors does not grow across 20 training iterations', async () => {
  const a = makeAlgorithm([new TinyCoordinationEnv(3, true, 3)], {
    algo: 'ppo',
    seed: 1,
    numSteps: 8,
    totalSteps: 8 * 21,
    numMinibatches: 2,
    updateEpochs: 2,
    hidden: [8],
    targetKl: 0.01,
  });
  const trainer = new Trainer(a);
  await trainer.run(1);
  const before = tf.memory().numTensors;
  await trainer.run(20);
  assert.equal(tf.memory().numTensors, before);
  a.dispose();
});

test('Trainer writes one JSONL line of metrics per iteration and callbacks can stop it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'leg-metrics-'));
  const metricsPath = join(dir, 'sub', 'metrics.jsonl');
  const a = makeAlgorithm(envs(), CFG);
  const seen: number[] = [];
  const out = await new Trainer(a, {
    metricsPath,
    callbacks: [
      {
        onIteration: (m) => {
          seen.push(m.iteration);
          return m.iteration < 2;
        },
      },
    ],
  }).run();
  a.dispose();
  assert.deepEqual(seen, [1, 2]);
  const lines = readFileSync(metricsPath, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, out.length);
  for (const key of ['episodeReturn', 'successRate', 'entropy', 'approxKl', 'clipFraction', 'valueLoss', 'explainedVariance', 'meanAction', 'stepsPerSecond']) {
    assert.ok(key in lines[0], key);
  }
  assert.equal(lines[0].meanAction.agent_0.length, 3);
});

test('a resumed Trainer drops the metrics lines a crash left after the checkpoint (later iterations, torn tail): each iteration is logged once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'leg-resume-metrics-'));
  const metricsPath = join(dir, 'metrics.jsonl');
  const path = join(dir, 'ckpt.json');
  const first = makeAlgorithm(envs(), CFG);
  await new Trainer(first, { metricsPath, checkpointPath: path }).run(4);
  first.dispose();
  const logged = readFileSync(metricsPath, 'utf8');
  const line4 = JSON.parse(logged.trim().split('\n')[3]) as TrainerMetrics;
  /** The line a run that went on past the checkpoint would have appended for iteration `it`. */
  const lineOf = (it: number): string => `${JSON.stringify({ ...line4, iteration: it, globalStep: it * 24 })}\n`;
  const resumed = await resumeFromCheckpoint(path, envs());
  assert.equal(resumed.iteration, 4);

  // A crash after the checkpoint of iteration 4: 0-3 later iterations logged, then maybe a torn line, maybe NUL padding.
  // run(0) trains nothing, so a fresh Trainer on the same resumed algorithm only aligns the file.
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 3 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 40 }), async (extra, cut, nuls) => {
      const torn = lineOf(5 + extra).slice(0, Math.floor(cut * (lineOf(5 + extra).length - 1)));
      let crashed = logged;
      for (let i = 0; i < extra; i++) crashed += lineOf(5 + i);
      writeFileSync(metricsPath, crashed + torn + '\u0000'.repeat(nuls));
      assert.deepEqual(await new Trainer(resumed, { metricsPath }).run(0), []);
      assert.equal(readFileSync(metricsPath, 'utf8'), logged);
    }),
    { numRuns: 200 },
  );

  // A last line complete but for its newline is kept, and the newline added so the next append starts a line.
  writeFileSync(metricsPath, logged.slice(0, -1));
  await new Trainer(resumed, { metricsPath }).run(0);
  assert.equal(readFileSync(metricsPath, 'utf8'), logged);

  // A corrupt line that is not the tail is an error naming the file and line; the file is left as it is.
  const lines = logged.split('\n');
  const corrupt = [lines[0], 'not json', ...lines.slice(2)].join('\n') + lineOf(5);
  writeFileSync(metricsPath, corrupt);
  await assert.rejects(new Trainer(resumed, { metricsPath }).run(0), (e: unknown) => e instanceof JsonlError && e.message.startsWith(`${metricsPath}:2:`));
  assert.equal(readFileSync(metricsPath, 'utf8'), corrupt);

  // Crash with two later iterations and a torn line, then train on to the end: iterations 1..8, once each.
  writeFileSync(metricsPath, logged + lineOf(5) + lineOf(6) + lineOf(7).slice(0, 30));
  const rest = await new Trainer(resumed, { metricsPath }).run();
  resumed.dispose();
  assert.deepEqual(
    rest.map((m) => m.iteration),
    [5, 6, 7, 8],
  );
  const { records, warnings } = await readJsonl<TrainerMetrics>(metricsPath);
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    records.map((r) => r.iteration),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
  assert.ok(readFileSync(metricsPath, 'utf8').startsWith(logged));
  assert.deepEqual(
    records.slice(4).map((r) => r.globalStep),
    rest.map((m) => m.globalStep),
  );
  assert.deepEqual(readdirSync(dir).sort(), ['ckpt.json', 'metrics.jsonl']);
});

test('MAPPO on an env without state() is a type error and is rejected at runtime naming ppo.algo', () => {
  const box = new CoordinationGameEnv().observationSpace('agent_0');
  const plain: ParallelEnv<Float32Array, Float32Array> = {
    possibleAgents: ['a'],
    agents: [],
    metadata: { name: 'plain', renderModes: [], autoreset: 'none' },
    observationSpace: () => box,
    actionSpace: () => box,
    reset: async () => ({ observations: { a: new Float32Array(box.flatDim) }, infos: { a: {} } }),
    step: async () => {
      throw new Error('unused');
    },
    close: async () => {},
  };
  assert.throws(
    // @ts-expect-error MAPPO's centralized critic needs HasGlobalState
    () => makeAlgorithm(plain, { algo: 'mappo' }),
    (e: unknown) => e instanceof ConfigError && e.field === 'ppo.algo',
  );
  makeAlgorithm(plain, { algo: 'ippo' }).dispose();
});
