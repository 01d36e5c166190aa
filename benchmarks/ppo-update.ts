// Questions: (1) how many samples/s does our PPO update reach (batch 2048, 4 epochs, minibatch 256,
// actor and critic MLP 64-64 tanh, 5-d Gaussian head, Adam 3e-4 eps 1e-5, clip 0.2, value clipping,
// entropy 0.01, grad-norm 0.5) on each tfjs backend, compared with the PyTorch reference
// (benchmarks/torch_ppo_update.py, CleanRL style, 1 thread) measured in the same run?
// (2) how fast is the exported ONNX actor (onnxruntime-node) against the tfjs actor at batch 1 and 256?
// (3) how long does collecting a 2048-step rollout take compared with the update?
// samples/s = 2048 * 4 / median of 5 updates after one warm-up, by wall clock and by process CPU time
// (the second stays comparable when other jobs share the cores; the load average is recorded).
//
// The PyTorch side runs with the first `python3` on PATH that imports torch, or `--python EXE`;
// without one (or with --smoke) it is skipped with a message saying so.
//
//   npx tsx benchmarks/ppo-update.ts [--smoke] [--seed N] [--python EXE]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../src/backend/initBackend.js';
import { renderTable } from '../src/cli/renderTable.js';
import { Rng } from '../src/core/Rng.js';
import { Box } from '../src/core/spaces.js';
import type { ParallelEnv } from '../src/core/ParallelEnv.js';
import { makeAlgorithm } from '../src/algos/makeAlgorithm.js';
import { CoordinationGameEnv } from '../src/envs/CoordinationGameEnv.js';
import { exportPolicyOnnx, OnnxPolicy } from '../src/agents/exportPolicyOnnx.js';
import { machineInfo, writeBenchResult } from './lib/benchReport.js';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const seed = Number(args[args.indexOf('--seed') + 1]) || 0;
const pythonFlag = args.includes('--python') ? args[args.indexOf('--python') + 1] : undefined;
/** The PyTorch reference, found next to this file so the benchmark runs from any folder of any clone. */
const TORCH_SCRIPT = fileURLToPath(new URL('./torch_ppo_update.py', import.meta.url));
const N = smoke ? 512 : 2048;
const EPOCHS = 4;
const MB = 256;
const REPS = smoke ? 1 : 5;
const OBS = 64;
const ACT = 5;
const require = createRequire(import.meta.url);

/** A one-agent env with the benchmark's spaces; only its spaces are used. */
function specEnv(): ParallelEnv<Float32Array, Float32Array> {
  const obs = new Box(-Infinity, Infinity, [OBS]);
  const act = new Box(-Infinity, Infinity, [ACT]);
  return {
    possibleAgents: ['agent'],
    agents: ['agent'],
    metadata: { name: 'bench', renderModes: [], autoreset: 'none' },
    observationSpace: () => obs,
    actionSpace: () => act,
    reset: async () => {
      throw new Error('spaces only');
    },
    step: async () => {
      throw new Error('spaces only');
    },
    close: async () => {},
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timeUpdates(backend: BackendName) {
  const algo = makeAlgorithm(specEnv(), {
    algo: 'ippo',
    seed,
    hidden: [64, 64],
    learningRate: 3e-4,
    adamEps: 1e-5,
    clipCoef: 0.2,
    clipValueLoss: true,
    entCoef: 0.01,
    maxGradNorm: 0.5,
    updateEpochs: EPOCHS,
    numMinibatches: N / MB,
    numSteps: N,
    valueNorm: false,
    targetKl: null,
  });
  // packed rows: [obs (actor) | obs (critic) | action | old log-prob | advantage | return | old value]
  const W = OBS + OBS + ACT + 4;
  const rng = new Rng(seed);
  const data = new Float32Array(N * W);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < OBS; j++) data[i * W + j] = data[i * W + OBS + j] = rng.normal();
    for (let j = 2 * OBS; j < W; j++) data[i * W + j] = rng.normal();
  }
  algo.updateFromBatch(data, N, W, [W], 3e-4);
  const ts: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    algo.updateFromBatch(data, N, W, [W], 3e-4);
    ts.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  const tensors = tf.memory().numTensors;
  algo.dispose();
  return {
    backend,
    updateSeconds: median(ts),
    samplesPerSecond: (N * EPOCHS) / median(ts),
    cpuSeconds: median(cpu),
    cpuSamplesPerSecond: (N * EPOCHS) / median(cpu),
    tensors,
  };
}

/** Median milliseconds of `f` over `n` calls after warm-up. */
async function latency(f: () => unknown, n: number): Promise<number> {
  for (let i = 0; i < 20; i++) await f();
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

async function actorLatency(backend: BackendName) {
  const algo = makeAlgorithm(specEnv(), { algo: 'ippo', seed, hidden: [64, 64] });
  const dir = mkdtempSync(join(tmpdir(), 'leg-onnx-'));
  const path = join(dir, 'actor.onnx');
  exportPolicyOnnx(algo.policy, path);
  const onnx = await OnnxPolicy.load(path);
  const rng = new Rng(seed + 1);
  const n = smoke ? 50 : 1000;
  const x1 = Float32Array.from({ length: OBS }, () => rng.normal());
  const x256 = Float32Array.from({ length: 256 * OBS }, () => rng.normal());
  const out = {
    backend,
    tfjs_b1: await latency(() => algo.policy.meanBatch(0, x1, 1), n),
    onnx_b1: await latency(() => onnx.mean(x1, 1), n),
    tfjs_b256: await latency(() => algo.policy.meanBatch(0, x256, 256), n),
    onnx_b256: await latency(() => onnx.mean(x256, 256), n),
  };
  await onnx.dispose();
  algo.dispose();
  return out;
}

async function rolloutVsUpdate(backend: BackendName) {
  // CoordinationGameEnv (3 agents), 8 copies x 256 steps = 2048 samples per iteration, PPO over the joint action
  const envs = Array.from({ length: 8 }, () => new CoordinationGameEnv());
  const algo = makeAlgorithm(envs, { algo: 'ppo', seed, numSteps: N / 8, numMinibatches: N / MB, updateEpochs: EPOCHS, totalSteps: N * 10 });
  await algo.iterate();
  const m = await algo.iterate();
  algo.dispose();
  return { backend, rolloutSeconds: m.rolloutSeconds, updateSeconds: m.updateSeconds };
}

interface TorchRun {
  threads: number;
  update_samples_per_s: number;
  actor_ms_b1: number;
  actor_ms_b256: number;
}

/** Whether `py` runs and imports torch. */
function importsTorch(py: string): boolean {
  try {
    execFileSync(py, ['-c', 'import torch'], { stdio: 'ignore', timeout: 120_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * The Python to run the reference with: `--python` when given (it must import torch), else the first
 * `python3` on PATH that imports torch (a pyenv shim may come first and lack it where the system one
 * has it). `tried` lists what was tried, for the message when none does.
 */
function torchPython(): { py: string | null; tried: string[] } {
  if (pythonFlag !== undefined) return { py: importsTorch(pythonFlag) ? pythonFlag : null, tried: [pythonFlag] };
  const candidates = [
    ...new Set(
      (process.env.PATH ?? '')
        .split(delimiter)
        .filter((d) => d !== '')
        .map((d) => join(d, 'python3')),
    ),
  ].filter((p) => existsSync(p));
  for (const py of candidates) if (importsTorch(py)) return { py, tried: candidates };
  return { py: null, tried: candidates };
}

/**
 * Runs the PyTorch reference with its wall clock at 1 and 2 threads ('wall'), or with process CPU time
 * at 1 thread ('cpu'), which stays comparable on a machine shared with other jobs: both sides are then
 * charged only for the CPU they used.
 */
function torchReference(py: string, clock: 'wall' | 'cpu'): TorchRun[] {
  const out = join(mkdtempSync(join(tmpdir(), 'leg-torch-')), 'torch.json');
  execFileSync(py, [TORCH_SCRIPT, '--clock', clock, '--threads', clock === 'wall' ? '1,2' : '1', '--batch', String(N), '--out', out], {
    stdio: 'ignore',
    timeout: 600_000,
  });
  return (JSON.parse(readFileSync(out, 'utf8')) as { runs: TorchRun[] }).runs;
}

const backends: BackendName[] = ['wasm', 'cpu'];
const updates = [];
const latencies = [];
const rollouts = [];
for (const b of backends) {
  try {
    await initBackend({ force: b, log: () => {} });
  } catch {
    continue;
  }
  updates.push(timeUpdates(b));
  latencies.push(await actorLatency(b));
  if (!smoke || b === 'wasm') rollouts.push(await rolloutVsUpdate(b));
}
const found = smoke ? { py: null, tried: [] } : torchPython();
const py = found.py;
const torchSkipped = smoke
  ? 'smoke run'
  : py === null
    ? `no Python that imports torch (tried ${found.tried.join(', ') || 'no python3 on PATH'}); install PyTorch (apt-get install python3-torch, or pip install torch) or pass --python EXE`
    : null;
if (torchSkipped) console.log(`torch reference skipped: ${torchSkipped}`);
else console.log(`torch reference: ${py} ${TORCH_SCRIPT}`);
const torch = py ? torchReference(py, 'wall') : null;
const torchCpu = py ? torchReference(py, 'cpu')[0] : null;
const torch1 = torch?.find((r) => r.threads === 1) ?? null;

console.log(`PPO update: batch ${N}, ${EPOCHS} epochs, minibatch ${MB}, MLP 64-64 tanh, 5-d Gaussian${smoke ? ' (smoke: smaller batch, 1 rep)' : ''}`);
console.log(
  renderTable(
    ['backend', 'update s (median)', 'samples/s (wall)', 'vs torch 1 thread (wall)', 'samples/s (CPU time)', 'vs torch 1 thread (CPU time)'],
    [
      ...updates.map((u) => [
        u.backend,
        u.updateSeconds,
        Math.round(u.samplesPerSecond),
        torch1 ? u.samplesPerSecond / torch1.update_samples_per_s : 'n/a',
        Math.round(u.cpuSamplesPerSecond),
        torchCpu ? u.cpuSamplesPerSecond / torchCpu.update_samples_per_s : 'n/a',
      ]),
      ...(torch ?? []).map((r) => [
        `torch ${r.threads} thread(s)`,
        (N * EPOCHS) / r.update_samples_per_s,
        r.update_samples_per_s,
        torch1 ? r.update_samples_per_s / torch1.update_samples_per_s : 'n/a',
        r.threads === 1 && torchCpu ? torchCpu.update_samples_per_s : '',
        r.threads === 1 && torchCpu ? 1 : '',
      ]),
    ],
  ),
);
console.log(
  renderTable(
    ['backend', 'tfjs actor ms b1', 'onnx ms b1', 'tfjs/onnx b1', 'tfjs ms b256', 'onnx ms b256', 'tfjs/onnx b256'],
    latencies.map((l) => [l.backend, l.tfjs_b1, l.onnx_b1, l.tfjs_b1 / l.onnx_b1, l.tfjs_b256, l.onnx_b256, l.tfjs_b256 / l.onnx_b256]),
  ),
);
if (torch1) console.log(`torch actor ms: b1 ${torch1.actor_ms_b1}, b256 ${torch1.actor_ms_b256}`);
console.log(
  renderTable(
    ['backend', `rollout s (${N} steps)`, 'update s', 'rollout/update'],
    rollouts.map((r) => [r.backend, r.rolloutSeconds, r.updateSeconds, r.rolloutSeconds / r.updateSeconds]),
  ),
);
const best = updates.reduce((a, b) => (a.samplesPerSecond >= b.samplesPerSecond ? a : b));
console.log(
  torch1 && torchCpu
    ? `ratio: ${best.backend} / torch(1 thread) samples/s = ${(best.samplesPerSecond / torch1.update_samples_per_s).toFixed(3)} wall-clock, ${(best.cpuSamplesPerSecond / torchCpu.update_samples_per_s).toFixed(3)} CPU time (target >= 1.0)`
    : `ratio: ${best.backend} / torch = n/a (${torchSkipped}); ${best.backend} samples/s = ${Math.round(best.samplesPerSecond)}`,
);

let versions: Record<string, string>;
try {
  const version = (pkg: string): string => (require(pkg) as { version: string }).version;
  versions = { tfjs: version('@tensorflow/tfjs/package.json'), onnxruntime: version('onnxruntime-node/package.json') };
} catch {
  versions = {};
}
writeBenchResult('ppo-update', smoke, {
  seed,
  smoke,
  batch: N,
  epochs: EPOCHS,
  minibatch: MB,
  versions,
  node: process.version,
  machine: machineInfo(),
  updates,
  latencies,
  rollouts,
  torch,
  torchCpu,
  torchSkipped,
  loadAverage: loadavg(),
});
