import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ConfigError } from '../core/errors.js';
import { checkContextLength, checkTokenIds, promptIds } from './checkTokenInput.js';
import { ModelClosedError, ModelInputError, ModelLoadError } from './errors.js';
import { HfTokenizer } from './HfTokenizer.js';
import { logSoftmax } from './logSoftmax.js';
import type { ModelAdapter, NextToken, Session } from './ModelAdapter.js';
import { readJsonFile } from './readJsonFile.js';
import type { Tokenizer } from './Tokenizer.js';

/** Options of `OnnxCausalLM.load`; every field is optional. */
export interface OnnxCausalLMOptions {
  /** Adapter id (default: the directory's name). */
  readonly id?: string;
  /** Threads inside one operator (default 1: tiny models gain nothing from more, and runs stay reproducible). */
  readonly intraOpNumThreads?: number;
  /** Threads across operators (default 1). */
  readonly interOpNumThreads?: number;
  /** onnxruntime execution providers (default `['cpu']`). */
  readonly executionProviders?: readonly string[];
  /** Model file relative to the directory (default: `onnx/model.onnx`, else `model.onnx`). */
  readonly onnxFile?: string;
  /**
   * Whether `start(prompt)` puts BOS before the prompt. Default: config.json `add_bos_token`, else
   * tokenizer_config.json `add_bos_token`, else whether tokenizer.json's post-processor template adds it.
   */
  readonly addBos?: boolean;
  /** Longest sequence; default from config.json (`n_positions`, `max_position_embeddings`, `n_ctx`). */
  readonly maxContext?: number;
  /**
   * Keep the KV cache between calls (default true). `false` re-runs the whole sequence for every
   * `next()`; it exists to measure what the cache saves and for graphs exported without past inputs.
   */
  readonly useCache?: boolean;
  /**
   * Longest run of tokens fed to the graph at once (default 256). Exported graphs return logits for
   * every position, so a long prompt fed whole would need positions × vocab floats (600 MB for
   * 1000 tokens of a 150k vocabulary); with the KV cache, feeding it in chunks gives the same answer.
   */
  readonly prefillChunk?: number;
  /**
   * Most sessions run together in one graph call (default 16; 1 turns batching off). Sessions whose
   * `next()` calls fall in the same event-loop turn are stacked along the batch dimension (KV caches
   * left-padded, padding masked out through `attention_mask`), which needs a graph with
   * `attention_mask` and `position_ids`; other graphs batch only sessions of equal lengths.
   */
  readonly maxBatch?: number;
}

/** Counters of work done, for tests and benchmarks (graph runs, real tokens fed, batch rows run). */
export interface OnnxRunStats {
  runs: number;
  tokensProcessed: number;
  /** Session chunks run; `rows / runs` is the mean batch size. */
  rows: number;
}

const PAST_KEY = /^past_key_values\.(\d+)\.key$/;
const FIX_EXPORT =
  'Export the model with Optimum (optimum-cli export onnx --task text-generation-with-past) or with buildDecoderOnnx, which write the decoder-with-past signature.';

interface GraphInfo {
  readonly nLayers: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly hasPositionIds: boolean;
  readonly hasAttentionMask: boolean;
  readonly hasUseCacheBranch: boolean;
  readonly hasCachePosition: boolean;
  readonly hasHidden: boolean;
}

/**
 * A causal LM in Hugging Face layout (`config.json`, `tokenizer.json`, `onnx/model.onnx`) run with
 * onnxruntime. Works with this package's tiny decoders and with Optimum decoder-with-past exports
 * (GPT-2, Qwen2.5, SmolLM, Llama, ...): optional inputs (`position_ids`, `attention_mask`,
 * `use_cache_branch`, `cache_position`) are fed only when the graph has them. One `InferenceSession` is shared by all
 * sessions; each session keeps its own KV cache and never re-runs its prefix.
 * The logits width is the adapter's `vocabSize`; it may exceed the tokenizer's (padded embeddings).
 */
export class OnnxCausalLM implements ModelAdapter {
  /** Work done by this model's sessions (the load-time probe run is not counted). */
  readonly stats: OnnxRunStats = { runs: 0, tokensProcessed: 0, rows: 0 };
  private queue: BatchRequest[] = [];
  private flushScheduled = false;
  private closed = false;

  private constructor(
    readonly id: string,
    readonly tokenizer: Tokenizer,
    readonly vocabSize: number,
    readonly hiddenSize: number,
    readonly maxContext: number,
    readonly bosId: number | undefined,
    private readonly session: ort.InferenceSession,
    private readonly graph: GraphInfo,
    readonly useCache: boolean,
    readonly prefillChunk: number,
    readonly maxBatch: number,
  ) {}

  /** Loads and validates a model directory; throws `ModelLoadError` naming the file/field and the fix. */
  static async load(dir: string, opts: OnnxCausalLMOptions = {}): Promise<OnnxCausalLM> {
    const root = resolve(dir);
    const st = await stat(root).catch(() => undefined);
    if (!st?.isDirectory()) {
      throw new ModelLoadError(
        root,
        'model directory not found',
        'Pass a directory holding config.json, tokenizer.json and onnx/model.onnx (Hugging Face layout).',
      );
    }
    const configPath = join(root, 'config.json');
    const config = await readJsonFile(configPath, {
      required: true,
      fix: 'A model directory needs config.json (save_pretrained writes it; writeDecoderModelDir for tiny decoders).',
    });
    if (!config || typeof config !== 'object' || Array.isArray(config)) {
      throw new ModelLoadError(configPath, 'expected a JSON object', 'Re-save config.json with save_pretrained.');
    }
    const cfg = config as Record<string, unknown>;
    const cfgInt = (field: string): number | undefined => {
      const v = cfg[field];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        throw new ModelLoadError(configPath, `${JSON.stringify(v)} is not a non-negative integer`, `Set "${field}" to an integer or remove it.`, field);
      }
      return v;
    };
    const eosCfg = cfg.eos_token_id;
    const tokenizerPath = join(root, 'tokenizer.json');
    const tokenizer = await HfTokenizer.fromFile(tokenizerPath, {
      specialTokenIds: {
        bos: cfgInt('bos_token_id'),
        eos: Array.isArray(eosCfg) ? (eosCfg[0] as number) : cfgInt('eos_token_id'),
        pad: cfgInt('pad_token_id'),
      },
    });

    const maxContext = opts.maxContext ?? cfgInt('n_positions') ?? cfgInt('max_position_embeddings') ?? cfgInt('n_ctx');
    if (maxContext === undefined || maxContext < 1) {
      throw new ModelLoadError(
        configPath,
        'no context length found',
        'Set "n_positions" or "max_position_embeddings" in config.json, or pass { maxContext }.',
        'n_positions',
      );
    }

    const onnxPath = await findOnnx(root, opts.onnxFile);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(onnxPath, {
        intraOpNumThreads: opts.intraOpNumThreads ?? 1,
        interOpNumThreads: opts.interOpNumThreads ?? 1,
        executionProviders: [...(opts.executionProviders ?? ['cpu'])],
        graphOptimizationLevel: 'all',
      });
    } catch (e) {
      throw new ModelLoadError(
        onnxPath,
        `onnxruntime could not load the model (${(e as Error).message})`,
        'Check that the file is a complete ONNX model (external data files next to it) with an opset your onnxruntime supports.',
      );
    }
    try {
      const graph = inspectGraph(session, onnxPath, cfg);
      const addBos = opts.addBos ?? boolField(cfg.add_bos_token) ?? (await tokenizerConfigAddsBos(root)) ?? (await templateAddsBos(tokenizerPath, tokenizer));
      const bosId = addBos ? tokenizer.specialTokens.bos : undefined;
      if (addBos && bosId === undefined) {
        throw new ModelLoadError(
          configPath,
          'BOS is to be added but no BOS token is known',
          'Set "bos_token_id" in config.json, or load with { addBos: false }.',
          'bos_token_id',
        );
      }
      // One probe run tells the logits width and hidden size, and fails early on graphs we cannot feed.
      const [probe] = await runBatch(session, graph, [{ ids: [bosId ?? 0], past: EMPTY_CACHE }]);
      const width = probe.logprobs.length;
      const cfgVocab = cfgInt('vocab_size');
      if (cfgVocab !== undefined && cfgVocab !== width) {
        throw new ModelLoadError(
          configPath,
          `vocab_size is ${cfgVocab} but the graph's logits have width ${width}`,
          'Set vocab_size to the logits width (the lm_head output size).',
          'vocab_size',
        );
      }
      if (tokenizer.vocabSize > width) {
        throw new ModelLoadError(
          tokenizerPath,
          `the tokenizer has ${tokenizer.vocabSize} ids but the model's logits only ${width}`,
          'Use the tokenizer.json the model was trained with.',
          'model.vocab',
        );
      }
      // Padded embeddings leave a few percent of the logits without a token; a tokenizer much
      // smaller than the logits belongs to another model.
      if (tokenizer.vocabSize < width * (1 - MAX_VOCAB_PADDING)) {
        throw new ModelLoadError(
          tokenizerPath,
          `the tokenizer has ${tokenizer.vocabSize} ids but the model's logits have ${width} (more than ${MAX_VOCAB_PADDING * 100} % padding)`,
          'Use the tokenizer.json the model was trained with.',
          'model.vocab',
        );
      }
      const bad = probe.logprobs.findIndex((x) => Number.isNaN(x));
      if (bad >= 0) {
        throw new ModelLoadError(
          onnxPath,
          `the probe run gives NaN log-probabilities (first at id ${bad}): the weights hold NaN or Inf`,
          'Re-export or re-download the model; check the training run that wrote it.',
        );
      }
      if (graph.hasPositionIds) await checkPositions(session, graph, bosId ?? 0, maxContext, configPath);
      const useCache = (opts.useCache ?? true) && graph.nLayers > 0;
      const chunk = opts.prefillChunk ?? 256;
      if (!Number.isInteger(chunk) || chunk < 1) throw new ConfigError('prefillChunk', `${chunk} must be a positive integer`, 'Use e.g. 256.');
      const maxBatch = opts.maxBatch ?? 16;
      if (!Number.isInteger(maxBatch) || maxBatch < 1)
        throw new ConfigError('maxBatch', `${maxBatch} must be a positive integer`, 'Use e.g. 16, or 1 to run every session on its own.');
      return new OnnxCausalLM(
        opts.id ?? basename(root),
        tokenizer,
        width,
        probe.hidden?.length ?? 0,
        maxContext,
        bosId,
        session,
        graph,
        useCache,
        chunk,
        maxBatch,
      );
    } catch (e) {
      await session.release();
      throw e;
    }
  }

  /** Opens a session holding BOS (when the model uses one) + `prompt`; nothing runs until `next()`. */
  async start(prompt: string): Promise<Session> {
    this.assertOpen();
    const ids = promptIds(this.id, this.tokenizer, this.bosId, prompt);
    this.checkLength(ids.length);
    return new OnnxSession(this, ids);
  }

  /** Releases the inference session; later `start` calls throw `ModelClosedError`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.release();
  }

  /** @internal Throws `ModelClosedError` after `close()`. */
  assertOpen(): void {
    if (this.closed) throw new ModelClosedError(`model "${this.id}"`);
  }

  /** @internal Throws `ModelInputError` when `n` tokens exceed the context. */
  checkLength(n: number): void {
    checkContextLength(this.id, n, this.maxContext, 'Shorten the prompt or the generation, or use a model with a longer context.');
  }

  /** @internal Throws `ModelInputError` for ids that are not integers in [0, vocabSize). */
  checkIds(ids: readonly number[]): void {
    checkTokenIds(this.id, ids, this.vocabSize);
  }

  /**
   * @internal Runs `ids` after the cached tokens `past`, batched with the other sessions' requests of
   * this event-loop turn (up to `maxBatch` rows per graph call); resolves with this row's result.
   */
  forward(ids: readonly number[], past: LayerCache): Promise<RowResult> {
    this.assertOpen();
    return new Promise<RowResult>((resolve, reject) => {
      this.queue.push({ ids, past, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // setImmediate, not a microtask: sessions whose callers awaited other work first still join the batch.
        setImmediate(() => void this.flush()); // flush rejects failed requests itself
      }
    });
  }

  /** Runs the queued requests in groups the graph can take together, one graph call per group. */
  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const queue = this.queue;
    this.queue = [];
    for (const group of groupRequests(queue, this.graph, this.maxBatch)) {
      try {
        this.assertOpen();
        const results = await runBatch(this.session, this.graph, group);
        this.stats.runs++;
        this.stats.rows += group.length;
        for (const r of group) this.stats.tokensProcessed += r.ids.length;
        group.forEach((r, i) => r.resolve(results[i]));
      } catch (e) {
        for (const r of group) r.reject(e);
      }
    }
  }
}

/** One decoding context: consumed ids, the KV cache of the ids already run, and the ids still pending. */
class OnnxSession implements Session {
  private past: LayerCache = EMPTY_CACHE;
  private pending: number[];
  private readonly all: number[];
  private last: { logprobs: Float32Array; hidden?: Float32Array } | undefined;
  private disposed = false;

  constructor(
    private readonly model: OnnxCausalLM,
    ids: number[],
  ) {
    this.all = [...ids];
    this.pending = [...ids];
  }

  /** Tokens in the session (prompt + appended). */
  get length(): number {
    return this.all.length;
  }

  /** Distribution after everything consumed; runs only the tokens appended since the last call. */
  async next(): Promise<NextToken> {
    this.assertLive();
    if (this.model.useCache) {
      const chunk = this.model.prefillChunk;
      while (this.pending.length > 0) {
        const run = this.pending.slice(0, chunk);
        const r = await this.model.forward(run, this.past);
        this.assertLive();
        this.past = r.cache;
        this.pending = this.pending.slice(run.length);
        this.last = { logprobs: r.logprobs, hidden: r.hidden };
      }
    } else if (this.pending.length > 0 || !this.last) {
      const r = await this.model.forward(this.all, EMPTY_CACHE);
      this.assertLive();
      this.pending = [];
      this.last = { logprobs: r.logprobs, hidden: r.hidden };
    }
    if (!this.last) throw new ModelInputError(this.model.id, 'the session holds no tokens', 'Start it with a non-empty prompt.');
    // Copies, so a caller that normalises in place cannot change what the next call returns.
    return this.last.hidden ? { logprobs: this.last.logprobs.slice(), hidden: this.last.hidden.slice() } : { logprobs: this.last.logprobs.slice() };
  }

  /** Queues `tokenIds` (validated now) to be run by the next `next()`. */
  async append(tokenIds: readonly number[]): Promise<void> {
    this.assertLive();
    this.model.checkIds(tokenIds);
    this.model.checkLength(this.all.length + tokenIds.length);
    this.all.push(...tokenIds);
    this.pending.push(...tokenIds);
  }

  /** Frees the KV cache; later calls throw `ModelClosedError`. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.past = EMPTY_CACHE;
    this.last = undefined;
  }

  private assertLive(): void {
    if (this.disposed) throw new ModelClosedError(`session of model "${this.model.id}"`);
    this.model.assertOpen();
  }
}

/** One session's KV cache: per layer, keys and values as `[kvHeads, len, headDim]` row-major floats. */
interface LayerCache {
  readonly len: number;
  readonly keys: readonly Float32Array[];
  readonly values: readonly Float32Array[];
}

const EMPTY_CACHE: LayerCache = { len: 0, keys: [], values: [] };

/** One row of a batched run: its new ids after its cached tokens. */
interface BatchRow {
  readonly ids: readonly number[];
  readonly past: LayerCache;
  /** Position of the first new id (default `past.len`); the load-time position probe sets it. */
  readonly firstPosition?: number;
}

/** A queued row and the promise it settles. */
interface BatchRequest extends BatchRow {
  resolve(r: RowResult): void;
  reject(e: unknown): void;
}

/** What a run gives one row: log-probs and hidden state at its last token, and its new KV cache. */
interface RowResult {
  readonly logprobs: Float32Array;
  readonly hidden?: Float32Array;
  readonly cache: LayerCache;
}

/** Longest run of new ids batched with single-token decode steps (padding a decode row to this costs little). */
const SHORT_RUN = 8;

/**
 * Splits queued requests into groups of at most `maxBatch` rows that one graph call can take:
 * with `attention_mask` and `position_ids` any rows mix, short runs (decode steps and re-tokenized
 * spans, up to `SHORT_RUN` ids) apart from longer prefill chunks, so a decode row is not padded to a
 * prompt's length; otherwise only rows of equal cached and new lengths, which need no padding.
 */
function groupRequests(queue: readonly BatchRequest[], g: GraphInfo, maxBatch: number): BatchRequest[][] {
  const canPad = g.hasAttentionMask && g.hasPositionIds;
  const byKey = new Map<string, BatchRequest[]>();
  for (const r of queue) {
    const key = canPad ? (r.ids.length <= SHORT_RUN ? 'short' : 'long') : `${r.past.len}/${r.ids.length}`;
    const list = byKey.get(key) ?? [];
    list.push(r);
    byKey.set(key, list);
  }
  const groups: BatchRequest[][] = [];
  for (const list of byKey.values()) for (let i = 0; i < list.length; i += maxBatch) groups.push(list.slice(i, i + maxBatch));
  return groups;
}

/**
 * Runs several rows in one graph call, feeding only the inputs the graph has. Rows are right-aligned
 * in a frame of `P + S` positions (P = longest cache, S = most new ids): row b's cache sits at
 * [P − past_b, P) and its new ids at [P + S − n_b, P + S); every padding slot has attention_mask 0,
 * so real tokens never see it. Position ids are each row's own (past_b + k). With one row there is
 * no padding and the run is the plain decoder-with-past call.
 */
async function runBatch(session: ort.InferenceSession, g: GraphInfo, rows: readonly BatchRow[]): Promise<RowResult[]> {
  const B = rows.length;
  const P = Math.max(...rows.map((r) => r.past.len));
  const S = Math.max(...rows.map((r) => r.ids.length));
  const T = P + S;
  const ids = new BigInt64Array(B * S);
  const mask = new BigInt64Array(B * T);
  const pos = new BigInt64Array(B * S);
  rows.forEach((r, b) => {
    const n = r.ids.length;
    const padNew = S - n;
    for (let k = 0; k < n; k++) {
      ids[b * S + padNew + k] = BigInt(r.ids[k]);
      pos[b * S + padNew + k] = BigInt((r.firstPosition ?? r.past.len) + k);
    }
    for (let j = P - r.past.len; j < P; j++) mask[b * T + j] = 1n;
    for (let j = P + padNew; j < T; j++) mask[b * T + j] = 1n;
  });
  const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', ids, [B, S]) };
  if (g.hasAttentionMask) feeds.attention_mask = new ort.Tensor('int64', mask, [B, T]);
  if (g.hasPositionIds) feeds.position_ids = new ort.Tensor('int64', pos, [B, S]);
  if (g.hasCachePosition) feeds.cache_position = int64([S], (i) => P + i);
  if (g.hasUseCacheBranch) feeds.use_cache_branch = new ort.Tensor('bool', Uint8Array.of(P > 0 ? 1 : 0), [1]);
  const H = g.kvHeads;
  const hd = g.headDim;
  const stack = (pick: (c: LayerCache) => Float32Array): Float32Array => {
    if (B === 1) return P === 0 ? new Float32Array(0) : pick(rows[0].past);
    const out = new Float32Array(B * H * P * hd);
    rows.forEach((r, b) => {
      const len = r.past.len;
      if (len === 0) return;
      const src = pick(r.past);
      for (let h = 0; h < H; h++) out.set(src.subarray(h * len * hd, (h + 1) * len * hd), ((b * H + h) * P + (P - len)) * hd);
    });
    return out;
  };
  for (let l = 0; l < g.nLayers; l++) {
    feeds[`past_key_values.${l}.key`] = new ort.Tensor(
      'float32',
      stack((c) => c.keys[l]),
      [B, H, P, hd],
    );
    feeds[`past_key_values.${l}.value`] = new ort.Tensor(
      'float32',
      stack((c) => c.values[l]),
      [B, H, P, hd],
    );
  }
  const fetches = [
    'logits',
    ...(g.hasHidden ? ['last_hidden_state'] : []),
    ...Array.from({ length: g.nLayers }, (_, l) => [`present.${l}.key`, `present.${l}.value`]).flat(),
  ];
  const out = await session.run(feeds, fetches);
  const logits = out.logits;
  if (logits.type !== 'float32') {
    throw new ModelLoadError(
      'logits',
      `the graph's logits are ${logits.type}, not float32`,
      'Export the model in float32 (fp16/int8 outputs are not supported in this version).',
    );
  }
  const width = logits.dims[logits.dims.length - 1];
  const data = logits.data as Float32Array;
  const hData = g.hasHidden ? (out.last_hidden_state.data as Float32Array) : undefined;
  const D = g.hasHidden ? out.last_hidden_state.dims[out.last_hidden_state.dims.length - 1] : 0;
  const results = rows.map((r, b): RowResult => {
    const at = b * S + S - 1; // the last column holds every row's last real token
    const len = r.past.len + r.ids.length;
    const keys: Float32Array[] = [];
    const values: Float32Array[] = [];
    for (let l = 0; l < g.nLayers; l++) {
      keys.push(unstack(out[`present.${l}.key`], b, r, P, S));
      values.push(unstack(out[`present.${l}.value`], b, r, P, S));
    }
    return {
      logprobs: logSoftmax(data, at * width, width),
      hidden: hData ? hData.slice(at * D, (at + 1) * D) : undefined,
      cache: { len, keys, values },
    };
  });
  for (const t of Object.values(out)) t.dispose();
  return results;
}

/** Row b's real cache entries of a present tensor `[B, H, P + S, hd]`, as a compact `[H, past_b + n_b, hd]` copy. */
function unstack(t: ort.Tensor, b: number, r: BatchRow, P: number, S: number): Float32Array {
  const [B, H, T, hd] = t.dims;
  const d = t.data as Float32Array;
  if (B === 1) return d; // one row: no padding, the whole tensor is the cache (a CPU tensor's array outlives dispose())
  const past = r.past.len;
  const n = r.ids.length;
  const len = past + n;
  const outArr = new Float32Array(H * len * hd);
  for (let h = 0; h < H; h++) {
    const base = (b * H + h) * T;
    outArr.set(d.subarray((base + P - past) * hd, (base + P) * hd), h * len * hd);
    outArr.set(d.subarray((base + P + S - n) * hd, (base + T) * hd), (h * len + past) * hd);
  }
  return outArr;
}

/** Share of the logits that may have no token (padded embeddings, e.g. rounded up to a multiple of 128). */
const MAX_VOCAB_PADDING = 0.1;

/**
 * Probes the last position the config claims (`maxContext - 1`, one token, no past) and, when the
 * graph fails there, finds the real limit by bisection (one-token runs) and throws a ModelLoadError naming both.
 */
async function checkPositions(session: ort.InferenceSession, g: GraphInfo, id: number, maxContext: number, configPath: string): Promise<void> {
  const works = async (pos: number): Promise<boolean> => {
    try {
      const [r] = await runBatch(session, g, [{ ids: [id], past: EMPTY_CACHE, firstPosition: pos }]);
      return !r.logprobs.some((x) => Number.isNaN(x));
    } catch {
      return false;
    }
  };
  if (await works(maxContext - 1)) return;
  let lo = 0; // works (the probe at position 0 ran)
  let hi = maxContext - 1; // fails
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await works(mid)) lo = mid;
    else hi = mid;
  }
  throw new ModelLoadError(
    configPath,
    `the context is ${maxContext} positions but the graph supports only ${lo + 1} (position ${hi} fails)`,
    `Set "n_positions" (or "max_position_embeddings") to ${lo + 1}, or load with { maxContext: ${lo + 1} }.`,
    'n_positions',
  );
}

function int64(dims: number[], f: (i: number) => number): ort.Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new BigInt64Array(n);
  for (let i = 0; i < n; i++) data[i] = BigInt(f(i));
  return new ort.Tensor('int64', data, dims);
}

function boolField(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

async function findOnnx(root: string, file?: string): Promise<string> {
  const candidates = file ? [join(root, file)] : [join(root, 'onnx', 'model.onnx'), join(root, 'model.onnx')];
  for (const c of candidates) if ((await stat(c).catch(() => undefined))?.isFile()) return c;
  throw new ModelLoadError(
    candidates[0],
    'ONNX model file not found',
    `Put the model at ${file ?? 'onnx/model.onnx'} (Hugging Face layout) or pass { onnxFile }. ${FIX_EXPORT}`,
  );
}

async function tokenizerConfigAddsBos(root: string): Promise<boolean | undefined> {
  const tc = await readJsonFile(join(root, 'tokenizer_config.json'), { required: false });
  return tc && typeof tc === 'object' ? boolField((tc as Record<string, unknown>).add_bos_token) : undefined;
}

/** Whether tokenizer.json's TemplateProcessing post-processor puts the BOS token before a single sequence. */
async function templateAddsBos(path: string, tokenizer: Tokenizer): Promise<boolean> {
  const json = (await readJsonFile(path, { required: true })) as { post_processor?: { type?: string; single?: Array<{ SpecialToken?: { id?: string } }> } };
  const pp = json.post_processor;
  const bos = tokenizer.specialTokens.bos;
  if (!pp || pp.type !== 'TemplateProcessing' || bos === undefined) return false;
  const first = pp.single?.[0]?.SpecialToken?.id;
  return first !== undefined && tokenizer.tokenToId(first) === bos;
}

/** Reads layers, KV heads and head size from the graph's past inputs (config.json as a fallback for symbolic dims). */
function inspectGraph(session: ort.InferenceSession, onnxPath: string, cfg: Record<string, unknown>): GraphInfo {
  const inputs = new Set(session.inputNames);
  const outputs = new Set(session.outputNames);
  if (!inputs.has('input_ids'))
    throw new ModelLoadError(onnxPath, `the graph has no "input_ids" input (inputs: ${[...inputs].join(', ')})`, FIX_EXPORT, 'inputs');
  if (!outputs.has('logits'))
    throw new ModelLoadError(onnxPath, `the graph has no "logits" output (outputs: ${[...outputs].join(', ')})`, FIX_EXPORT, 'outputs');
  const layers = [...inputs]
    .map((n) => PAST_KEY.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
  const nLayers = layers.length;
  for (let l = 0; l < nLayers; l++) {
    for (const name of [`past_key_values.${l}.key`, `past_key_values.${l}.value`, `present.${l}.key`, `present.${l}.value`]) {
      if (!inputs.has(name) && !outputs.has(name))
        throw new ModelLoadError(onnxPath, `"${name}" is missing while other layers have a KV cache`, FIX_EXPORT, name);
    }
  }
  const known = new Set(['input_ids', 'attention_mask', 'position_ids', 'use_cache_branch', 'cache_position']);
  const unknown = [...inputs].filter((n) => !known.has(n) && !PAST_KEY.test(n) && !/^past_key_values\.\d+\.value$/.test(n));
  if (unknown.length > 0) {
    throw new ModelLoadError(
      onnxPath,
      `the graph needs inputs this adapter cannot feed: ${unknown.join(', ')}`,
      `${FIX_EXPORT} Encoder-decoder and multimodal graphs need their own adapter.`,
      'inputs',
    );
  }
  let kvHeads = 0;
  let headDim = 0;
  if (nLayers > 0) {
    const meta = session.inputMetadata.find((m) => m.name === 'past_key_values.0.key');
    if (meta && meta.isTensor) {
      if (meta.type !== 'float32')
        throw new ModelLoadError(onnxPath, `past key/values are ${meta.type}, not float32`, 'Export the model in float32.', 'past_key_values.0.key');
      if (typeof meta.shape[1] === 'number') kvHeads = meta.shape[1];
      if (typeof meta.shape[3] === 'number') headDim = meta.shape[3];
    }
    const num = (k: string): number | undefined => (typeof cfg[k] === 'number' ? (cfg[k] as number) : undefined);
    const heads = num('num_attention_heads') ?? num('n_head');
    const hidden = num('hidden_size') ?? num('n_embd');
    kvHeads ||= num('num_key_value_heads') ?? heads ?? 0;
    headDim ||= num('head_dim') ?? (heads && hidden ? hidden / heads : 0);
    if (!kvHeads || !headDim) {
      throw new ModelLoadError(
        onnxPath,
        'cannot tell the KV-cache shape: past_key_values dims are symbolic and config.json lacks head counts',
        'Add "num_attention_heads" (and "num_key_value_heads" for GQA) and "hidden_size" to config.json.',
        'past_key_values.0.key',
      );
    }
  }
  return {
    nLayers,
    kvHeads,
    headDim,
    hasPositionIds: inputs.has('position_ids'),
    hasAttentionMask: inputs.has('attention_mask'),
    hasUseCacheBranch: inputs.has('use_cache_branch'),
    hasCachePosition: inputs.has('cache_position'),
    hasHidden: outputs.has('last_hidden_state'),
  };
}
