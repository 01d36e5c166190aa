// Question: how many more tokens/s do 8 decoding sessions that call next() together get than 1 session,
// when the adapter runs their pending tokens in one engine call? Measured side by side in one run on the
// bundled models (OnnxCausalLM) and on random GPT-2s written as both ONNX and GGUF (LlamaCppModel, when
// node-llama-cpp is installed), with "8 sessions, batching off" (ONNX maxBatch 1; GGUF one context per
// session) as the control. On a CPU, batching saves the per-call overhead that dominates tiny models; once
// a model's weights fit in cache and compute dominates, rows cost about the same batched or not (the gain
// of real models comes from reading the weights once per batch, and from GPUs).
//
//   npx tsx benchmarks/batching.ts [--smoke] [--seed N]
import { join } from 'node:path';
import { renderTable } from '../src/cli/renderTable.js';
import { Rng } from '../src/core/Rng.js';
import { NODE_LLAMA_CPP_VERSION, nodeLlamaCppAvailable } from '../src/models/gguf/nodeLlamaCpp.js';
import { LlamaCppModel } from '../src/models/LlamaCppModel.js';
import type { ModelAdapter, Session } from '../src/models/ModelAdapter.js';
import { OnnxCausalLM } from '../src/models/OnnxCausalLM.js';
import { makeTinyGgufPair } from '../src/testing/tinyGguf.js';
import { benchArgs, machineInfo, versionsOf, writeBenchResult } from './lib/benchReport.js';

const { smoke, flag } = benchArgs();
const seed = flag('--seed') ?? 0;
const SESSIONS = 8;
const steps = smoke ? 3 : 24; // the bundled models hold 32 positions: BOS + short prompt + 24 tokens fit
const reps = smoke ? 1 : 12;
const modelsDir = new URL('../models/', import.meta.url).pathname;
const bundled = smoke ? ['tiny-rev-char'] : ['tiny-rev-char', 'tiny-sum-bytebpe', 'tiny-gen-spbpe'];
const PROMPTS = ['12', 'ab', '3 4', 'a', 'cab', '7', 'b a', '99'];

/** Greedily decodes `steps` tokens on `sessions` together (each step: every next() at once, then every append). */
async function decodeTogether(sessions: readonly Session[]): Promise<void> {
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
}

/**
 * Tokens/s of `SESSIONS` sessions decoding `steps` tokens each: `together` runs them concurrently,
 * otherwise one after another (the 1-session rate). Both windows do the same work, so a load spike
 * on a shared machine cannot favour the shorter one.
 */
async function tokensPerSecond(model: ModelAdapter, together: boolean, rng: Rng): Promise<number> {
  const prompts = Array.from({ length: SESSIONS }, (_, i) => PROMPTS[(i + rng.int(PROMPTS.length)) % PROMPTS.length]);
  const sessions = await Promise.all(prompts.map((p) => model.start(p)));
  const t0 = performance.now();
  if (together) await decodeTogether(sessions);
  else for (const s of sessions) await decodeTogether([s]);
  const ms = performance.now() - t0;
  await Promise.all(sessions.map((s) => s.dispose()));
  return (SESSIONS * steps) / (ms / 1000);
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
  await tokensPerSecond(single, true, rng); // warm-up (allocations, contexts)
  await tokensPerSecond(off, true, rng);
  const best = [0, 0, 0];
  for (let r = 0; r < reps; r++) {
    best[0] = Math.max(best[0], await tokensPerSecond(single, false, rng));
    best[1] = Math.max(best[1], await tokensPerSecond(single, true, rng));
    best[2] = Math.max(best[2], await tokensPerSecond(off, true, rng));
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
// Random-weight GPT-2s written both as ONNX and as GGUF (same weights; the bundled models have an lm-head
// bias llama.cpp's gpt2 lacks): the bundled models' size, and a wider one where compute outweighs per-call overhead.
const ggufNote = hasLlama ? '' : ' (LlamaCppModel skipped: node-llama-cpp is not installed)';
const pairSizes = [{ dModel: 64, nLayers: 2, nHeads: 4, dFF: 256 }, ...(smoke ? [] : [{ dModel: 256, nLayers: 4, nHeads: 4, dFF: 1024 }])];
for (const size of pairSizes) {
  const pair = await makeTinyGgufPair({ seed, sizes: { ...size, maxPositions: 32 } });
  const label = `random gpt2 ${size.dModel}x${size.nLayers}`;
  try {
    const engines: Array<[string, () => Promise<[ModelAdapter, ModelAdapter]>]> = [];
    if (!smoke) engines.push(['OnnxCausalLM', async () => [await OnnxCausalLM.load(pair.onnxDir), await OnnxCausalLM.load(pair.onnxDir, { maxBatch: 1 })]]);
    if (hasLlama)
      engines.push([
        'LlamaCppModel',
        async () => [
          await LlamaCppModel.load(pair.ggufPath, { sequencesPerContext: SESSIONS }),
          await LlamaCppModel.load(pair.ggufPath, { sequencesPerContext: 1 }),
        ],
      ]);
    for (const [adapter, open] of engines) {
      const [on, off] = await open();
      try {
        rows.push(await measure(`${label} (${adapter === 'LlamaCppModel' ? 'GGUF' : 'ONNX'})`, adapter, on, off));
      } finally {
        await on.close();
        await off.close();
      }
    }
  } finally {
    await pair.cleanup();
  }
}

console.log(
  renderTable(
    ['model', 'adapter', '1 session tok/s', `${SESSIONS} batched tok/s`, `${SESSIONS} unbatched tok/s`, `${SESSIONS} batched / 1`, `${SESSIONS} unbatched / 1`],
    rows.map((r) => [r.model, r.adapter, r.one, r.batched, r.unbatched, `${r.ratio.toFixed(2)}x`, `${r.ratioUnbatched.toFixed(2)}x`]),
    0,
  ),
);
const tag = smoke ? ' [smoke: 3 steps, 1 rep; not meaningful]' : '';
console.log(
  `ratio ${SESSIONS} sessions / 1 session tokens/s: ${rows.map((r) => `${r.ratio.toFixed(2)}x ${r.adapter}:${r.model}`).join(', ')}${ggufNote}${tag}`,
);

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
