// Deterministic in-memory model adapters for EnsembleDecodingEnv tests: a longest-match tokenizer over
// a token list, and a model whose logits are a seeded hash of (recent context, candidate token), with an
// optional "teacher" that knows the reference answers and pushes their next token.
import type { ModelAdapter, NextToken, Session, TopK } from '../models/ModelAdapter.js';
import type { SpecialTokens, Tokenizer } from '../models/Tokenizer.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Tokenizer over `tokens` (id 0 = `<eos>`), greedy longest match; every token's bytes are distinct. */
export class ListTokenizer implements Tokenizer {
  readonly specialTokens: SpecialTokens = { eos: 0 };
  private readonly tokens: string[];
  private readonly ids = new Map<string, number>();
  private readonly maxLen: number;

  constructor(tokens: readonly string[]) {
    this.tokens = ['<eos>', ...new Set(tokens)];
    this.tokens.forEach((t, i) => this.ids.set(t, i));
    this.maxLen = Math.max(...this.tokens.slice(1).map((t) => t.length));
  }

  get vocabSize(): number {
    return this.tokens.length;
  }

  encode(text: string): number[] {
    const out: number[] = [];
    let i = 0;
    while (i < text.length) {
      let len = Math.min(this.maxLen, text.length - i);
      for (; len >= 1; len--) {
        const id = this.ids.get(text.slice(i, i + len));
        if (id !== undefined && id !== 0) {
          out.push(id);
          break;
        }
      }
      // Characters outside the vocabulary are dropped (the tests only use covered text).
      i += Math.max(len, 1);
    }
    return out;
  }

  decode(ids: readonly number[]): string {
    return ids
      .filter((id) => id > 0)
      .map((id) => this.tokens[id] ?? '')
      .join('');
  }

  idToToken(id: number): string | undefined {
    return this.tokens[id];
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  tokenBytes(id: number): Uint8Array {
    return id <= 0 || id >= this.tokens.length ? new Uint8Array(0) : enc.encode(this.tokens[id]);
  }
}

/** Options of `FakeModel`. */
export interface FakeModelOptions {
  readonly id: string;
  readonly tokens: readonly string[];
  readonly seed: number;
  /** Width of the hidden state (0 = none, so the env falls back to log-prob features). */
  readonly hiddenSize?: number;
  /** Report a top-k summary instead of full log-probs. */
  readonly topK?: number;
  /** prompt → answer: the model strongly prefers the answer's next token (a competent model). */
  readonly teacher?: ReadonlyMap<string, string>;
  /** Scale of the hash logits (default 3). */
  readonly scale?: number;
  readonly maxContext?: number;
}

function hash32(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

/** Counts calls so tests can check what the env asked of the model. */
export interface CallCounts {
  next: number;
  append: number;
  start: number;
}

/** Seeded fake causal LM: logits depend on the last 3 ids, optionally biased towards a reference answer. */
export class FakeModel implements ModelAdapter {
  readonly id: string;
  readonly tokenizer: ListTokenizer;
  readonly hiddenSize: number;
  readonly maxContext: number;
  readonly calls: CallCounts = { next: 0, append: 0, start: 0 };
  closed = false;

  constructor(readonly opts: FakeModelOptions) {
    this.id = opts.id;
    this.tokenizer = new ListTokenizer(opts.tokens);
    this.hiddenSize = opts.hiddenSize ?? 0;
    this.maxContext = opts.maxContext ?? 512;
  }

  get vocabSize(): number {
    return this.tokenizer.vocabSize;
  }

  /** Logits after the token ids `ctx` of this prompt. */
  logits(prompt: string, ctx: readonly number[]): Float32Array {
    const V = this.vocabSize;
    let h = this.opts.seed;
    for (const id of ctx.slice(-3)) h = hash32(h, id + 1);
    const out = new Float32Array(V);
    const scale = this.opts.scale ?? 3;
    for (let j = 0; j < V; j++) out[j] = (scale * hash32(h, j)) / 0xffffffff;
    const answer = this.opts.teacher?.get(prompt);
    if (answer !== undefined) {
      const promptLen = this.tokenizer.encode(prompt).length;
      const sofar = this.tokenizer.decode(ctx.slice(promptLen));
      if (answer.startsWith(sofar)) {
        const rest = answer.slice(sofar.length);
        const next = rest.length === 0 ? 0 : this.tokenizer.encode(rest)[0];
        if (next !== undefined) out[next] += 10;
      }
    }
    return out;
  }

  async start(prompt: string): Promise<Session> {
    this.calls.start++;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the returned session's getters and methods need the model
    const model = this;
    const ids = this.tokenizer.encode(prompt);
    let disposed = false;
    return {
      get length() {
        return ids.length;
      },
      async next(): Promise<NextToken> {
        if (disposed) throw new Error('session disposed');
        model.calls.next++;
        const logits = model.logits(prompt, ids);
        let mx = -Infinity;
        for (const v of logits) mx = Math.max(mx, v);
        let z = 0;
        for (const v of logits) z += Math.exp(v - mx);
        const lp = Float32Array.from(logits, (v) => v - mx - Math.log(z));
        const hidden = model.hiddenSize > 0 ? Float32Array.from({ length: model.hiddenSize }, (_, i) => Math.sin(lp[i % lp.length] + i)) : undefined;
        let logprobs: Float32Array | TopK = lp;
        if (model.opts.topK !== undefined) {
          const order = Array.from(lp.keys())
            .sort((a, b) => lp[b] - lp[a])
            .slice(0, model.opts.topK);
          const top = Float32Array.from(order, (i) => lp[i]);
          logprobs = { ids: Int32Array.from(order), logprobs: top, restMass: Math.max(0, 1 - top.reduce((s, v) => s + Math.exp(v), 0)) };
        }
        return hidden ? { logprobs, hidden } : { logprobs };
      },
      async append(tokenIds: readonly number[]): Promise<void> {
        if (disposed) throw new Error('session disposed');
        model.calls.append++;
        ids.push(...tokenIds);
      },
      async dispose(): Promise<void> {
        disposed = true;
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Greedy decoding with the model alone: up to `maxTokens` tokens, stopping at EOS or once `stop` appears. */
export async function decodeAlone(model: FakeModel, prompt: string, maxTokens: number, stop = ''): Promise<string> {
  const s = await model.start(prompt);
  let text = '';
  for (let t = 0; t < maxTokens; t++) {
    const { logprobs } = await s.next();
    const lp = logprobs as Float32Array;
    let best = 0;
    for (let j = 1; j < lp.length; j++) if (lp[j] > lp[best]) best = j;
    if (best === 0) break;
    text += dec.decode(model.tokenizer.tokenBytes(best));
    if (stop && text.includes(stop)) break;
    await s.append([best]);
  }
  await s.dispose();
  return text;
}
