import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { checkContextLength, checkTokenIds, promptIds } from './checkTokenInput.js';
import { ModelClosedError, ModelInputError, ModelLoadError } from './errors.js';
import { GgufTokenizer } from './gguf/GgufTokenizer.js';
import {
  getLlamaBackend,
  type LlamaContextLike,
  type LlamaEvaluateItem,
  type LlamaGpu,
  type LlamaModelLike,
  type LlamaSequenceLike,
} from './gguf/nodeLlamaCpp.js';
import type { ModelAdapter, NextToken, Session } from './ModelAdapter.js';
import type { Tokenizer } from './Tokenizer.js';

/** Options of `LlamaCppModel.load`; every field is optional. */
export interface LlamaCppModelOptions {
  /** Adapter id (default: the file name without `.gguf`). */
  readonly id?: string;
  /** Longest sequence of one session (default: the model's training context). */
  readonly contextSize?: number;
  /** Sessions per llama.cpp context (default 8); they are evaluated together in one batch. More sessions open more contexts. */
  readonly sequencesPerContext?: number;
  /** Threads of one evaluation (default 1, like `OnnxCausalLM`: reproducible, and several contexts can run side by side). */
  readonly threads?: number;
  /** GPU backend of the prebuilt binaries (default `false`: CPU). */
  readonly gpu?: LlamaGpu;
  /** Whether `start(prompt)` puts BOS first (default: the file's `tokenizer.ggml.add_bos_token`). */
  readonly addBos?: boolean;
}

/**
 * Log-probability given to tokens llama.cpp reports with probability 0: the log of the smallest
 * positive float32, below anything a float32 softmax can produce, so every entry stays finite.
 */
export const LLAMA_LOGPROB_FLOOR = Math.log(1.401298464324817e-45);

/**
 * A GGUF model run in process by llama.cpp through the optional `node-llama-cpp` package (prebuilt
 * CPU / CUDA / Vulkan / Metal binaries). Sessions are sequences of shared contexts: the pending tokens
 * of sessions that call `next()` together are evaluated in one llama.cpp batch. Returns full
 * log-probabilities; llama.cpp does not expose hidden states of a generation context, so
 * `hiddenSize` is 0 and envs use logprob features.
 */
export class LlamaCppModel implements ModelAdapter {
  readonly hiddenSize = 0;
  private readonly contexts: LlamaContextLike[] = [];
  private growing: Promise<LlamaContextLike> | undefined;
  private closed = false;

  private constructor(
    readonly id: string,
    readonly tokenizer: Tokenizer,
    readonly vocabSize: number,
    readonly maxContext: number,
    readonly bosId: number | undefined,
    private readonly model: LlamaModelLike,
    private readonly sequencesPerContext: number,
    private readonly threads: number,
  ) {}

  /**
   * Loads a GGUF file. Throws `ModelDependencyError` when node-llama-cpp is not installed, `ModelLoadError`
   * for a missing or unreadable file, `ConfigError` for bad options.
   */
  static async load(ggufPath: string, opts: LlamaCppModelOptions = {}): Promise<LlamaCppModel> {
    const path = resolve(ggufPath);
    const seqs = opts.sequencesPerContext ?? 8;
    const threads = opts.threads ?? 1;
    if (!Number.isInteger(seqs) || seqs < 1) throw new ConfigError('sequencesPerContext', `${seqs} must be a positive integer`, 'Use e.g. 8.');
    if (!Number.isInteger(threads) || threads < 1) throw new ConfigError('threads', `${threads} must be a positive integer`, 'Use e.g. 1.');
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile())
      throw new ModelLoadError(
        path,
        'GGUF file not found',
        "Pass the path of a .gguf file (llama.cpp's convert_hf_to_gguf.py writes one from a Hugging Face model).",
      );
    const llama = await getLlamaBackend(opts.gpu ?? false, threads);
    let model: LlamaModelLike;
    try {
      model = await llama.loadModel({ modelPath: path, gpuLayers: opts.gpu ? 'auto' : 0 });
    } catch (e) {
      throw new ModelLoadError(
        path,
        `llama.cpp could not load the file (${(e as Error).message})`,
        'Check that it is a complete GGUF file of an architecture llama.cpp supports (re-download or re-convert it).',
      );
    }
    try {
      const tokenizer = new GgufTokenizer(model, path);
      const train = model.trainContextSize;
      const maxContext = opts.contextSize ?? train;
      if (!Number.isInteger(maxContext) || maxContext < 1 || maxContext > train) {
        throw new ConfigError(
          'contextSize',
          `${maxContext} must be an integer in [1, ${train}] (the model's training context)`,
          `Pass a contextSize of at most ${train}.`,
        );
      }
      const addBos = opts.addBos ?? model.tokens.shouldPrependBosToken;
      const bos = model.tokens.bos ?? tokenizer.specialTokens.bos;
      if (addBos && (bos === null || bos === undefined)) {
        throw new ModelLoadError(path, 'BOS is to be added but the file names no BOS token', 'Load with { addBos: false }.', 'tokenizer.ggml.bos_token_id');
      }
      const id = opts.id ?? basename(path).replace(/\.gguf$/i, '');
      return new LlamaCppModel(id, tokenizer, tokenizer.vocabSize, maxContext, addBos ? (bos as number) : undefined, model, seqs, threads);
    } catch (e) {
      await model.dispose();
      throw e;
    }
  }

  /** Opens a session (a context sequence) holding BOS (when the model uses one) + `prompt`; nothing runs until `next()`. */
  async start(prompt: string): Promise<Session> {
    this.assertOpen();
    const ids = promptIds(this.id, this.tokenizer, this.bosId, prompt);
    this.checkLength(ids.length);
    const seq = await this.acquireSequence();
    if (this.closed) {
      seq.dispose();
      throw new ModelClosedError(`model "${this.id}"`);
    }
    return new LlamaCppSession(this, seq, ids);
  }

  /** Frees the contexts and the model; later `start` calls throw `ModelClosedError`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.growing?.catch(() => undefined);
    for (const c of this.contexts.splice(0)) await c.dispose();
    await this.model.dispose();
  }

  /** Number of llama.cpp contexts opened so far (each holds `sequencesPerContext` sessions). */
  get contextCount(): number {
    return this.contexts.length;
  }

  /** @internal Throws `ModelClosedError` after `close()`. */
  assertOpen(): void {
    if (this.closed) throw new ModelClosedError(`model "${this.id}"`);
  }

  /** @internal Throws `ModelInputError` when `n` tokens exceed the context. */
  checkLength(n: number): void {
    checkContextLength(this.id, n, this.maxContext, 'Shorten the prompt or the generation, or load with a larger contextSize.');
  }

  /** @internal Throws `ModelInputError` for ids that are not integers in [0, vocabSize). */
  checkIds(ids: readonly number[]): void {
    checkTokenIds(this.id, ids, this.vocabSize);
  }

  /** A free sequence of an open context, opening a new context when all are taken (one at a time). */
  private async acquireSequence(): Promise<LlamaSequenceLike> {
    for (;;) {
      const free = this.contexts.find((c) => c.sequencesLeft > 0);
      if (free) return free.getSequence();
      if (!this.growing) {
        this.growing = this.model
          .createContext({ sequences: this.sequencesPerContext, contextSize: this.maxContext, threads: this.threads, flashAttention: false })
          .then((c) => {
            this.contexts.push(c);
            return c;
          })
          .finally(() => (this.growing = undefined));
      }
      await this.growing;
    }
  }
}

/** One decoding context: a llama.cpp sequence, the ids consumed and the ids not yet evaluated. */
class LlamaCppSession implements Session {
  private pending: number[];
  private count: number;
  private last: Float32Array | undefined;
  private disposed = false;

  constructor(
    private readonly model: LlamaCppModel,
    private readonly seq: LlamaSequenceLike,
    ids: number[],
  ) {
    this.pending = [...ids];
    this.count = ids.length;
  }

  /** Tokens in the session (prompt + appended). */
  get length(): number {
    return this.count;
  }

  /** Distribution after everything consumed; evaluates only the tokens appended since the last call. */
  async next(): Promise<NextToken> {
    this.assertLive();
    if (this.pending.length > 0) {
      const run = this.pending;
      const items: LlamaEvaluateItem[] = run.map((t, i) => (i === run.length - 1 ? [t, { generateNext: { probabilities: true } }] : t));
      const out = await this.seq.controlledEvaluate(items);
      this.assertLive();
      const probs = out[run.length - 1]?.next.probabilities;
      if (!probs)
        throw new ModelInputError(
          this.model.id,
          'llama.cpp returned no probabilities for the last token',
          'Report this with the model file; node-llama-cpp 3.21.1 returns them for controlledEvaluate.',
        );
      const lp = new Float32Array(this.model.vocabSize).fill(LLAMA_LOGPROB_FLOOR);
      for (const [id, p] of probs) if (p > 0 && id < lp.length) lp[id] = Math.log(p);
      this.pending = [];
      this.last = lp;
    }
    if (!this.last) throw new ModelInputError(this.model.id, 'the session holds no tokens', 'Start it with a non-empty prompt.');
    return { logprobs: this.last.slice() };
  }

  /** Queues `tokenIds` (validated now) to be evaluated by the next `next()`. */
  async append(tokenIds: readonly number[]): Promise<void> {
    this.assertLive();
    this.model.checkIds(tokenIds);
    this.model.checkLength(this.count + tokenIds.length);
    this.pending.push(...tokenIds);
    this.count += tokenIds.length;
  }

  /** Frees the sequence (its KV cells go back to the context); later calls throw `ModelClosedError`. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.last = undefined;
    this.seq.dispose(); // a no-op when the model's close() already freed the context
  }

  private assertLive(): void {
    if (this.disposed) throw new ModelClosedError(`session of model "${this.model.id}"`);
    this.model.assertOpen();
  }
}
