// Questions: (1) how much faster is OnnxCausalLM's per-token decoding with the KV cache than
// re-running the whole prefix for every token, at contexts 16 / 64 / 128? (2) what does the
// OpenAI-compatible HTTP path (OpenAIHttpModel -> local serve with its prefix cache -> OnnxCausalLM)
// cost per token compared with calling the ONNX adapter directly? All figures are measured side by side in one run
// on the same random-weight decoder.
//
//   npx tsx benchmarks/adapters.ts [--smoke] [--seed N]
import { startServer } from '../src/models/openai/startServer.js';
import { renderTable } from '../src/cli/renderTable.js';
import { Rng } from '../src/core/Rng.js';
import type { ModelAdapter } from '../src/models/ModelAdapter.js';
import { OnnxCausalLM } from '../src/models/OnnxCausalLM.js';
import { OpenAIHttpModel } from '../src/models/openai/OpenAIHttpModel.js';
import { makeTinyDecoderDir } from '../src/testing/tinyDecoder.js';
import { benchArgs, machineInfo, versionsOf, writeBenchResult } from './lib/benchReport.js';

const { smoke, flag } = benchArgs();
const seed = flag('--seed') ?? 0;
const contexts = [16, 64, 128];
const newTokens = smoke ? 4 : 32;
const reps = smoke ? 1 : 5;
const sizes = smoke ? { dModel: 32, nLayers: 2, nHeads: 2, dFF: 64, maxPositions: 192 } : { dModel: 128, nLayers: 4, nHeads: 4, dFF: 512, maxPositions: 192 };
const CHARS = 'abcdefghijklmnopqrstuvwxyz ';

/** A random prompt of exactly `n` characters (one token each with the char tokenizer). */
function prompt(rng: Rng, n: number): string {
  return Array.from({ length: n }, () => CHARS[rng.int(CHARS.length)]).join('');
}

/** Milliseconds to decode `newTokens` tokens greedily after `text`. */
async function decodeMs(model: ModelAdapter, text: string): Promise<number> {
  const t0 = performance.now();
  const s = await model.start(text);
  for (let t = 0; t < newTokens; t++) {
    const n = await s.next();
    const lp = n.logprobs;
    const id = lp instanceof Float32Array ? lp.indexOf(Math.max(...lp)) : lp.ids[0];
    await s.append([id]);
  }
  await s.next();
  await s.dispose();
  return performance.now() - t0;
}

/**
 * Best-of-`reps` ms for each model, the models interleaved within each rep so load spikes hit all
 * alike. Each rep uses a new prompt, so the server's prefix cache only helps within one decode.
 */
async function bestOf(models: readonly ModelAdapter[], textForRep: () => string): Promise<number[]> {
  const best = models.map(() => Infinity);
  for (let r = 0; r < reps; r++) {
    const text = textForRep();
    for (let m = 0; m < models.length; m++) best[m] = Math.min(best[m], await decodeMs(models[m], text));
  }
  return best;
}

const tiny = await makeTinyDecoderDir({ seed, sizes, chars: CHARS });
const rows: Array<{
  context: number;
  kvMsPerToken: number;
  fullMsPerToken: number;
  httpMsPerToken: number;
  kvOverFull: number;
  httpOverKv: number;
  httpOverFull: number;
}> = [];
try {
  const kv = await OnnxCausalLM.load(tiny.dir, { id: 'tiny' });
  const full = await OnnxCausalLM.load(tiny.dir, { id: 'tiny', useCache: false });
  const server = await startServer(kv, { maxTokens: 1 });
  const http = await OpenAIHttpModel.connect({ baseUrl: server.url, model: 'tiny', tokenizer: kv.tokenizer, topK: 20 });
  try {
    const rng = new Rng(seed);
    await decodeMs(kv, prompt(rng, 8)); // warm-up
    for (const context of contexts) {
      // BOS + prompt + new tokens = context
      const [kvMs, fullMs, httpMs] = (await bestOf([kv, full, http], () => prompt(rng, context - 1 - newTokens))).map((ms) => ms / newTokens);
      rows.push({
        context,
        kvMsPerToken: kvMs,
        fullMsPerToken: fullMs,
        httpMsPerToken: httpMs,
        kvOverFull: fullMs / kvMs,
        httpOverKv: httpMs / kvMs,
        httpOverFull: httpMs / fullMs,
      });
    }
  } finally {
    await http.close();
    await server.close();
    await kv.close();
    await full.close();
  }
} finally {
  await tiny.cleanup();
}

console.log(
  renderTable(
    ['context', 'KV cache ms/token', 'full prefix ms/token', 'HTTP ms/token', 'KV speed-up', 'HTTP / ONNX KV', 'HTTP / ONNX full prefix'],
    rows.map((r) => [
      r.context,
      r.kvMsPerToken,
      r.fullMsPerToken,
      r.httpMsPerToken,
      `${r.kvOverFull.toFixed(2)}x`,
      `${r.httpOverKv.toFixed(2)}x`,
      `${r.httpOverFull.toFixed(2)}x`,
    ]),
    3,
  ),
);
const tag = smoke ? ' [smoke: tiny sizes, 1 rep; not meaningful]' : '';
console.log(`ratio KV cache / full prefix tokens/s: ${rows.map((r) => `${r.kvOverFull.toFixed(2)}x @${r.context}`).join(', ')}${tag}`);
console.log(
  `ratio HTTP / direct ONNX time per token: ${rows.map((r) => `${r.httpOverKv.toFixed(2)}x @${r.context}`).join(', ')} (the server's prefix cache reuses KV caches; vs full-prefix ONNX: ${rows.map((r) => `${r.httpOverFull.toFixed(2)}x`).join(', ')})${tag}`,
);

writeBenchResult('adapters', smoke, {
  benchmark: 'adapters',
  seed,
  smoke,
  sizes,
  newTokens,
  reps,
  backend: 'onnxruntime-node cpu (1 intra-op thread)',
  versions: versionsOf({ onnxruntime: 'onnxruntime-node' }),
  machine: machineInfo(),
  rows,
});
