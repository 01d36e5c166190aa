// Question: how much time does EnsembleDecodingEnv add on top of the model forward passes?
// Runs greedy episodes with ONNX decoders and measures, in the same run, the wall time during which
// at least one adapter call (start / next / append / dispose) was in flight, and the rest of the
// episode time (the env's own work: mixing, union-vocabulary mapping, re-tokenisation, observations).
// Reports env overhead / adapter time as a ratio (target: < 5 %). Garbage-collector pauses that fall
// outside adapter calls are reported separately: most of that garbage is the models' output tensors
// and KV caches, but the pause lands wherever JS happens to run. The random decoders answer the
// benchmark's own prompts; the bundled models answer prompts of the task they were trained on (the
// demo's workload), since on other prompts they end the answer after a token or two and the row would
// time little but episode starts. The actions are drawn before the timed loop: drawing them is the
// caller's work, not the env's.
//
//   npx tsx benchmarks/envs-decoding.ts [--smoke] [--models DIR ...] [--seed N]
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { EnsembleDecodingEnv, type DecodingItem } from '../src/envs/EnsembleDecodingEnv.js';
import { OnnxCausalLM } from '../src/models/OnnxCausalLM.js';
import type { ModelAdapter, Session } from '../src/models/ModelAdapter.js';
import { Rng } from '../src/core/Rng.js';
import { makeTinyDecoderDir } from '../src/testing/tinyDecoder.js';
import { sumReverseTask } from '../src/ensemble/tasks/sumReverseTask.js';
import { renderTable } from '../src/cli/renderTable.js';
import { benchArgs, machineInfo, versionsOf, writeBenchResult } from './lib/benchReport.js';

const { args, smoke, flag } = benchArgs();
const seed = flag('--seed') || 0;
const modelDirsArg: string[] = [];
for (let i = 0; i < args.length; i++) if (args[i] === '--models') while (args[i + 1] && !args[i + 1].startsWith('--')) modelDirsArg.push(args[++i]);

/** Wall time with at least one adapter call in flight (overlapping calls counted once). */
class AdapterClock {
  private active = 0;
  private since = 0;
  total = 0;
  calls = 0;
  /** Busy intervals [start, end] in performance.now() time, recorded while `recording`. */
  intervals: [number, number][] = [];
  recording = false;

  async time<T>(f: () => Promise<T>): Promise<T> {
    if (this.active++ === 0) this.since = performance.now();
    this.calls++;
    try {
      return await f();
    } finally {
      if (--this.active === 0) {
        const end = performance.now();
        this.total += end - this.since;
        if (this.recording) this.intervals.push([this.since, end]);
      }
    }
  }

  /** Part of [start, start + duration] that overlaps no busy interval. */
  outside(start: number, duration: number): number {
    let inside = 0;
    for (const [a, b] of this.intervals) inside += Math.max(0, Math.min(b, start + duration) - Math.max(a, start));
    return duration - inside;
  }
}

const gcPauses: [number, number][] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcPauses.push([e.startTime, e.duration]);
}).observe({ entryTypes: ['gc'] });

/** Wraps an adapter so every call into it is timed by `clock`. */
function timed(model: ModelAdapter, clock: AdapterClock): ModelAdapter {
  const wrapSession = (s: Session): Session => ({
    get length() {
      return s.length;
    },
    next: () => clock.time(() => s.next()),
    append: (ids) => clock.time(() => s.append(ids)),
    dispose: () => clock.time(() => s.dispose()),
  });
  return {
    id: model.id,
    tokenizer: model.tokenizer,
    vocabSize: model.vocabSize,
    hiddenSize: model.hiddenSize,
    maxContext: model.maxContext,
    start: async (prompt) => wrapSession(await clock.time(() => model.start(prompt))),
    close: () => model.close(),
  };
}

interface Row {
  readonly config: string;
  readonly models: number;
  readonly spanLength: number;
  readonly episodes: number;
  readonly steps: number;
  readonly tokens: number;
  readonly episodeMs: number;
  readonly adapterMs: number;
  readonly envMs: number;
  readonly gcInEnvMs: number;
  readonly ratio: number;
  readonly ratioExclGc: number;
}

const ITEMS: DecodingItem[] = Array.from({ length: 32 }, (_, i) => ({
  prompt: `Q: ${10 + i}+${(i % 9) + 1} ; rev abcd A:`,
  answer: ` ${11 + i + (i % 9)} ; dcba\n`,
}));

/** Steps' action records drawn in advance (one standard normal logit per agent), taken in turn by every episode of a config. */
function actionPool(agents: readonly string[], size: number, rng: Rng): Record<string, Float32Array>[] {
  return Array.from({ length: size }, () => Object.fromEntries(agents.map((a) => [a, Float32Array.of(rng.normal())])));
}

async function measure(label: string, dirs: readonly string[], spanLength: number, episodes: number, items: readonly DecodingItem[]): Promise<Row> {
  const clock = new AdapterClock();
  const models = await Promise.all(dirs.map((d, i) => OnnxCausalLM.load(d, { id: `m${i}` })));
  const env = new EnsembleDecodingEnv({
    models: models.map((m) => timed(m, clock)),
    items,
    endOfAnswer: '\n',
    spanLength,
    maxSteps: Math.ceil(24 / spanLength),
  });
  // Every agent is live until the episode ends, so each step takes the next record of the pool (the same draws in the same order as drawing per step).
  const pool = actionPool(env.possibleAgents, 4096, new Rng(seed));
  let taken = 0;
  const nextActions = (): Record<string, Float32Array> => pool[taken++ % pool.length];
  // Warm-up episodes: onnxruntime allocates on its first runs and V8 optimises the env's hot loops.
  for (let w = 0; w < (smoke ? 2 : 15); w++) {
    await env.reset({ seed: w });
    while (env.agents.length > 0) await env.step(nextActions());
  }
  clock.total = 0;
  clock.recording = true;
  gcPauses.length = 0;
  let steps = 0;
  let tokens = 0;
  const t0 = performance.now();
  for (let e = 0; e < episodes; e++) {
    await env.reset({ seed: seed + e });
    let info: Record<string, unknown> = {};
    while (env.agents.length > 0) {
      const r = await env.step(nextActions());
      info = r.infos[env.possibleAgents[0]];
      steps++;
    }
    tokens += Number(info.unionTokens ?? 0);
  }
  const t1 = performance.now();
  const episodeMs = t1 - t0;
  clock.recording = false;
  await env.close();
  await new Promise((r) => setTimeout(r, 100));
  const gcInEnvMs = gcPauses.filter(([st]) => st >= t0 && st < t1).reduce((acc, [st, d]) => acc + clock.outside(st, d), 0);
  const envMs = episodeMs - clock.total;
  return {
    config: label,
    models: dirs.length,
    spanLength,
    episodes,
    steps,
    tokens,
    episodeMs,
    adapterMs: clock.total,
    envMs,
    gcInEnvMs,
    ratio: envMs / clock.total,
    ratioExclGc: (envMs - gcInEnvMs) / clock.total,
  };
}

function bundledDirs(): string[] {
  const root = new URL('../models/', import.meta.url).pathname;
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((d) => join(root, d))
    .filter((d) => existsSync(join(d, 'onnx', 'model.onnx')) && existsSync(join(d, 'tokenizer.json')))
    .sort();
}

const temp: { cleanup(): Promise<void> }[] = [];
const rows: Row[] = [];
try {
  const episodes = smoke ? 3 : 40;
  // Random decoders of the bundled models' size (vocab ~50 chars, d=64, 2 layers, 4 heads, ff=256) with different char sets.
  const sizes = { dModel: 64, nLayers: 2, nHeads: 4, dFF: 256, maxPositions: 64 };
  const charSets = [' 0123456789+=;:abcdefghQArevQ\n', ' 0123456789+;:abcdefghijklmnopqrstuvwxyzQA\n', ' 0123456789;:abcdefgh+=QArev\n'];
  const randomDirs: string[] = [];
  for (let i = 0; i < 3; i++) {
    const d = await makeTinyDecoderDir({ seed: seed + 11 + i, sizes, chars: charSets[i] });
    temp.push(d);
    randomDirs.push(d.dir);
  }
  const given = modelDirsArg.length > 0 ? modelDirsArg : bundledDirs();
  const configs: [string, string[], number, readonly DecodingItem[]][] = [
    ['random d64 x2', randomDirs.slice(0, 2), 4, ITEMS],
    ['random d64 x3', randomDirs, 4, ITEMS],
    ['random d64 x3 k=1', randomDirs, 1, ITEMS],
  ];
  if (modelDirsArg.length > 0) configs.push(['given models', given, 4, ITEMS]);
  else if (given.length > 0) configs.push(['bundled models', given, 4, sumReverseTask.items('test', ITEMS.length, seed)]);
  // Untimed pass first, so the first config is not charged with one-off module and JIT costs.
  if (!smoke) await measure('warm-up', configs[0][1], configs[0][2], 5, ITEMS);
  for (const [label, dirs, k, items] of smoke ? configs.slice(0, 1) : configs) rows.push(await measure(label, dirs, k, episodes, items));
} finally {
  for (const t of temp) await t.cleanup();
}

console.log(
  renderTable(
    ['config', 'models', 'k', 'episodes', 'tokens', 'episode ms', 'in adapters ms', 'env ms', 'of which GC ms', 'env / adapters', 'excl. GC'],
    rows.map((r) => [
      r.config,
      r.models,
      r.spanLength,
      r.episodes,
      r.tokens,
      r.episodeMs,
      r.adapterMs,
      r.envMs,
      r.gcInEnvMs,
      `${(100 * r.ratio).toFixed(2)} %`,
      `${(100 * r.ratioExclGc).toFixed(2)} %`,
    ]),
    1,
  ),
);
const worst = rows.reduce((a, b) => (b.ratio > a.ratio ? b : a));
console.log(
  `ratio env overhead / model time: ${(100 * worst.ratio).toFixed(2)} % incl. GC pauses, ${(100 * worst.ratioExclGc).toFixed(2)} % excl. (worst config: ${worst.config}; target < 5 %)${smoke ? ' [smoke: sizes too small to be meaningful]' : ''}`,
);

writeBenchResult('envs-decoding', smoke, {
  benchmark: 'envs-decoding',
  seed,
  smoke,
  backend: 'onnxruntime-node cpu (1 intra-op thread)',
  versions: versionsOf({ onnxruntime: 'onnxruntime-node' }),
  machine: machineInfo(),
  rows,
});
