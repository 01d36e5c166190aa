// Question: how many more tokens/s do 8 decoding sessions that call next() together get than 1 session,
// when the adapter runs their pending tokens in one engine call? Measured side by side in one run on the
// bundled models (OnnxCausalLM) and on a GGUF of the same sizes (LlamaCppModel, when node-llama-cpp is
// installed), with "8 sessions, batching off" (ONNX maxBatch 1; GGUF one context per session) as the control.
//
//   npx tsx benchmarks/batching.ts [--smoke] [--seed N]
import { join } from 'node:path';
import { renderTable } from '../src/cli/renderTable.js';
import { Rng } from '../src/core/Rng.js';
import { NODE_LLAMA_CPP_VERSION, nodeLlamaCppAvailable } from '../src/models/gguf/nodeLlamaCpp.js';
import { LlamaCppModel } from '../src/models/LlamaCppModel.js';
import type { ModelAdapter } from '../src/models/ModelAdapter.js';
import { OnnxCausalLM } from '../src/models/OnnxCausalLM.js';
import { makeTinyGgufPair } from '../test/helpers/tinyGguf.js';
import { benchArgs, machineInfo, versionsOf, writeBenchResult } from './lib/benchReport.js';

const { smoke, flag } = benchArgs();
const seed = flag('--seed') ?? 0;
const SESSIONS = 8;
const steps = smoke ? 3 : 24; // the bundled models hold 32 positions: BOS + short prompt + 24 tokens fit
const reps = smoke ? 1 : 12;
const modelsDir = new URL('../models/', import.meta.url).pathname;
const bundled = smoke ? ['tiny-rev-char'] : ['tiny-rev-char', 'tiny-sum-bytebpe', 'tiny-gen-spbpe'];
const PROMPTS = ['12', 'ab', '3 4', 'a', 'cab', '7', 'b a', '99'];

/** Tokens/s of `n` sessions decoding `steps` greedy tokens together (each step: all next() at once, then append). */
async function tokensPerSecond(model: ModelAdapter, n: number, rng: Rng): Promise<number> {
  const prompts = Array.from({ length: n }, (_, i) => PROMPTS[(i + rng.int(PROMPTS.length)) % PROMPTS.length]);
  const sessions = await Promise.all(prompts.map((p) => model.start(p)));
  const t0 = performance.now();
  for (let t = 0; t < steps; t++) {
    const outs = await Promise.all(sessions.map((s) => s.next()));
    await Promise.all(
      outs.map((o, i) => {
        const lp = o.logprobs as Float32Array;
        let best = 0;
        for (let j = 1; j < lp.length; j++) if (lp[j] > lp[best]) best = j;
        return sessions[i].append([best]);
      }),
    );
  }
  await Promise.all(sessions.map((s) => s.next()));
  const ms = performance.now() - t0;
  await Promise.all(sessions.map((s) => s.dispose()));
  return (n * steps) / (ms / 1000);
}

interface Row {
  model: string;
  adapter: string;
  one: number;
  batched: number;
  unbatched: number;
  ratio: number;
  ratioUnbatched: number;
}

/** Best-of-`reps` tokens/s of [1 session, 8 batched, 8 unbatched], the three interleaved within each rep. */
async function measure(name: string, adapter: string, single: ModelAdapter, off: ModelAdapter): Promise<Row> {
  const rng = new Rng(seed);
  await tokensPerSecond(single, SESSIONS, rng); // warm-up (allocations, contexts)
  await tokensPerSecond(off, SESSIONS, rng);
  const best = [0, 0, 0];
  for (let r = 0; r < reps; r++) {
    best[0] = Math.max(best[0], await tokensPerSecond(single, 1, rng));
    best[1] = Math.max(best[1], await tokensPerSecond(single, SESSIONS, rng));
    best[2] = Math.max(best[2], await tokensPerSecond(off, SESSIONS, rng));
  }
  return { model: name, adapter, one: best[0], batched: best[1], unbatched: best[2], ratio: best[1] / best[0], ratioUnbatched: best[2] / best[0] };
}

const rows: Row[] = [];
for (const name of bundled) {
  const dir = join(modelsDir, name);
  const on = await OnnxCausalLM.load(dir);
  const off = await OnnxCausalLM.load(dir, { maxBatch: 1 });
  try {
    rows.push(await measure(name, 'OnnxCausalLM', on, off));
  } finally {
    await on.close();
    await off.close();
  }
}

const hasLlama = await nodeLlamaCppAvailable();
let ggufNote = '';
if (hasLlama) {
  // Same sizes as the bundled models; random weights (the bundled ones have an lm-head bias GGUF gpt2 lacks).
  const pair = await makeTinyGgufPair({ seed, sizes: { dModel: 64, nLayers: 2, nHeads: 4, dFF: 256, maxPositions: 32 } });
  try {
    const on = await LlamaCppModel.load(pair.ggufPath, { sequencesPerContext: SESSIONS });
    const off = await LlamaCppModel.load(pair.ggufPath, { sequencesPerContext: 1 });
    try {
      rows.push(await measure('random gpt2 64x2 (GGUF)', 'LlamaCppModel', on, off));
    } finally {
      await on.close();
      await off.close();
    }
  } finally {
    await pair.cleanup();
  }
} else {
  ggufNote = ' (LlamaCppModel skipped: node-llama-cpp is not installed)';
}

console.log(
  renderTable(
    ['model', 'adapter', '1 session tok/s', `${SESSIONS} batched tok/s`, `${SESSIONS} unbatched tok/s`, `${SESSIONS} batched / 1`, `${SESSIONS} unbatched / 1`],
    rows.map((r) => [r.model, r.adapter, r.one, r.batched, r.unbatched, `${r.ratio.toFixed(2)}x`, `${r.ratioUnbatched.toFixed(2)}x`]),
    0,
  ),
);
const tag = smoke ? ' [smoke: 3 steps, 1 rep; not meaningful]' : '';
console.log(`ratio ${SESSIONS} sessions / 1 session tokens/s: ${rows.map((r) => `${r.ratio.toFixed(2)}x ${r.adapter}:${r.model}`).join(', ')}${ggufNote}${tag}`);

writeBenchResult('batching', smoke, {
  benchmark: 'batching',
  seed,
  smoke,
  sessions: SESSIONS,
  steps,
  reps,
  backend: 'onnxruntime-node cpu (1 intra-op thread); node-llama-cpp cpu (1 thread)',
  // node-llama-cpp exports no package.json; the peer dependency pins this exact version
  versions: { ...versionsOf({ onnxruntime: 'onnxruntime-node' }), 'node-llama-cpp': hasLlama ? NODE_LLAMA_CPP_VERSION : 'not installed' },
  machine: machineInfo(),
  rows,
});
