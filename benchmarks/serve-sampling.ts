// Question: what does `serve` pay per token for sampling at temperature > 0 (its default) compared
// with greedy decoding, at a large vocabulary? Sampling must stay O(V) per token, like the argmax,
// so the ratio stays near 1 whatever V is. The model is an in-memory adapter that returns one fixed
// distribution, so the figures are the server's own per-token work.
//
//   npx tsx benchmarks/serve-sampling.ts [--smoke] [--vocab V] [--tokens N]
import type { ModelAdapter, NextToken, Session } from '../src/models/ModelAdapter.js';
import { startServer } from '../src/models/openai/startServer.js';
import { Rng } from '../src/core/Rng.js';
import { ListTokenizer } from '../src/testing/decodingFakes.js';
import { benchArgs } from './lib/benchReport.js';

const { smoke, flag } = benchArgs();
const V = flag('--vocab') ?? (smoke ? 8000 : 32_000);
const tokens = flag('--tokens') ?? (smoke ? 4 : 16);

const tokenizer = new ListTokenizer(Array.from({ length: V - 1 }, (_, i) => `t${i}.`));
const rng = new Rng(1);
const logits = Float32Array.from({ length: V }, () => 4 * rng.next());
let z = 0;
for (const x of logits) z += Math.exp(x);
const logprobs = logits.map((x) => x - Math.log(z));
logprobs[0] = -1e9; // never EOS, so every request runs its max_tokens

/** An adapter that answers the same distribution after any prefix. */
const adapter: ModelAdapter = {
  id: 'flat',
  tokenizer,
  vocabSize: V,
  hiddenSize: 0,
  maxContext: 4096,
  async start(prompt: string): Promise<Session> {
    let n = tokenizer.encode(prompt).length;
    return {
      get length() {
        return n;
      },
      next: async (): Promise<NextToken> => ({ logprobs }),
      append: async (ids) => void (n += ids.length),
      dispose: async () => undefined,
    };
  },
  close: async () => undefined,
};

const server = await startServer(adapter, { maxTokens: tokens, requestTimeoutMs: 600_000 });
async function msPerToken(temperature: number): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${server.url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 't1.t2.', max_tokens: tokens, temperature, seed: 3 }),
  });
  const json = (await res.json()) as { usage?: { completion_tokens: number } };
  if (res.status !== 200 || json.usage?.completion_tokens !== tokens) throw new Error(`unexpected answer ${res.status} ${JSON.stringify(json).slice(0, 200)}`);
  return (performance.now() - t0) / tokens;
}
await msPerToken(0); // warm-up
const greedy = Math.min(await msPerToken(0), await msPerToken(0));
const sampled = Math.min(await msPerToken(1), await msPerToken(1));
await server.close();
console.log(`vocabulary ${V}, ${tokens} tokens per request: greedy ${greedy.toFixed(2)} ms/token, sampled (temperature 1) ${sampled.toFixed(2)} ms/token`);
console.log(`ratio sampled / greedy time per token: ${(sampled / greedy).toFixed(2)}x @V=${V}`);
