import { ConfigError, preview } from '../core/errors.js';
import type { AgentRecord, EnvMetadata, HasGlobalState, Info, ResetResult, StepResult } from '../core/ParallelEnv.js';
import type { Rng } from '../core/Rng.js';
import { Box } from '../core/spaces.js';
import { UnionVocabulary, type PendingBytes } from '../ensemble/UnionVocabulary.js';
import { mixDistributions } from '../ensemble/mixDistributions.js';
import { actionToWeights, type ActionParam } from '../ensemble/actionToWeights.js';
import type { Split, Task } from '../ensemble/tasks/Task.js';
import type { ModelAdapter, NextToken, Session } from '../models/ModelAdapter.js';
import { HiddenProjection, type ProjectionMode } from './decoding/HiddenProjection.js';
import { logprobFeatures } from './decoding/logprobFeatures.js';
import { EnvBase, type AgentSpaces } from './EnvBase.js';

/** One prompt with its reference answer (a `TaskItem` fits). */
export interface DecodingItem {
  readonly id?: string;
  readonly prompt: string;
  readonly answer: string;
}

/** Task score of a decoded answer for an item (higher is better), e.g. exact match in {0, 1}. */
export type DecodingScorer = (prediction: string, item: DecodingItem) => number;

/** How agents' actions become mixing weights: the `ActionParam` every env's `actionParam` option takes (this name is kept for existing imports). */
export type DecodingActionParam = ActionParam;

/** Options of `EnsembleDecodingEnv`; every optional field is documented with its default. */
export interface EnsembleDecodingConfig {
  /** The ensemble: one agent per model, named after `model.id` (ids must be distinct). */
  readonly models: readonly ModelAdapter[];
  /** Where prompts come from: a task (items of `split`, scored by `task.score`) ... */
  readonly task?: Task;
  /** ... its split (default `train`), number of items (default 256) and item seed (default 0). */
  readonly split?: Split;
  readonly numItems?: number;
  readonly itemSeed?: number;
  /** ... or a list of prompts with reference answers (used when `task` is absent). */
  readonly items?: readonly DecodingItem[];
  /** Scorer for `items` (default: exact match of the answer cut after `endOfAnswer`). */
  readonly scorer?: DecodingScorer;
  /** Text that ends an answer; decoding stops once it appears (default `task.endOfAnswer`, else none: EOS only). */
  readonly endOfAnswer?: string;
  /** Tokens decoded per step with the same weights: RLAE's span length k (default 4). */
  readonly spanLength?: number;
  /** Steps (spans) before the episode is truncated (default 16). */
  readonly maxSteps?: number;
  /** Action parameterisation (default `softmax`). */
  readonly actionParam?: DecodingActionParam;
  /** Width of the per-model feature block of an observation (default 32). */
  readonly obsHiddenDim?: number;
  /** Hidden states are brought to `obsHiddenDim` by a seeded `random` projection (default) or `pad`/truncate. */
  readonly projection?: ProjectionMode;
  /** Seed of the projection matrices (fixed per env, independent of episode seeds; default 0). */
  readonly projectionSeed?: number;
  /** `greedy` (default) takes the most likely union token; `sample` draws it from the mixture with the episode's seeded stream. */
  readonly decoding?: 'greedy' | 'sample';
  /** Sampling temperature for `decoding: 'sample'` (default 1). */
  readonly temperature?: number;
  /** Cost subtracted from the team reward at every step (default 0), to favour short answers. */
  readonly stepCost?: number;
  /** Whether `close()` also closes the model adapters (default true; set false when models are shared). */
  readonly closeModels?: boolean;
}

/** `reset` options: pick the item by index into the env's items (default: a seeded random draw). */
export interface DecodingResetOptions {
  readonly itemIndex?: number;
}

/** Fixed (non-model) parts of an observation after the feature block: entropy, top-1 logprob, margin, step fraction. */
const SUMMARY_DIM = 4;

/** `s` up to and including the first `endOfAnswer` (all of `s` when there is none or `endOfAnswer` is empty). */
function cutAtEnd(s: string, endOfAnswer: string): string {
  if (!endOfAnswer) return s;
  const i = s.indexOf(endOfAnswer);
  return i < 0 ? s : s.slice(0, i + endOfAnswer.length);
}

function exactMatchScorer(endOfAnswer: string): DecodingScorer {
  return (prediction, item) => (cutAtEnd(prediction, endOfAnswer) === cutAtEnd(item.answer, endOfAnswer) ? 1 : 0);
}

/** `session.append(ids)` (skipped when empty), then the session's next distribution. */
function appendThenNext(session: Session, ids: readonly number[]): Promise<NextToken> {
  return ids.length > 0 ? session.append(ids).then(() => session.next()) : session.next();
}

/** Index of `needle` in `hay` at or after `from`, or -1. */
function indexOfBytes(hay: readonly number[], needle: Uint8Array, from: number): number {
  outer: for (let i = Math.max(0, from); i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const utf8 = new TextDecoder('utf-8');
const utf8enc = new TextEncoder();

/**
 * RLAE as a parallel multi-agent env. An episode decodes one answer to one prompt. Agents are the
 * models (named after their ids). At each step every agent emits its model's weight logit (or
 * concentration); the joint action becomes simplex weights, and the next `spanLength` tokens are
 * decoded one at a time from the weighted mixture over the union vocabulary (greedy, or sampled
 * with the episode's seeded stream). Every chosen union token is re-tokenized for every model and
 * appended to its session. The episode terminates at EOS or once `endOfAnswer` is produced, and is
 * truncated after `maxSteps` steps or when a model's context is full.
 *
 * Observation of agent i, `obsHiddenDim + 4 + N` floats: model i's last hidden state brought to
 * `obsHiddenDim` (random projection or pad; for adapters without hidden states the top-k
 * log-probs instead), then the entropy, top-1 log-prob and margin of its next-token distribution,
 * the step fraction t / maxSteps, and the N weights used at the previous step (uniform at t = 0).
 * `state()` concatenates all agents' observations. The reward, the same for every agent, is the
 * task score when the episode ends, minus `stepCost` at every step. `infos[agent]` carries the
 * weights used, the span's and the whole answer's text, per-model token counts (tokens fed back),
 * the number of union tokens decoded (`unionTokens`) and, at the end, `score` and `success`.
 */
export class EnsembleDecodingEnv extends EnvBase<Box, Box, DecodingResetOptions> implements HasGlobalState {
  readonly possibleAgents: readonly string[];
  readonly metadata: EnvMetadata;
  readonly stateSpace: Box;
  readonly vocab: UnionVocabulary;
  readonly items: readonly DecodingItem[];
  readonly spanLength: number;
  readonly maxSteps: number;
  readonly obsHiddenDim: number;
  readonly actionParam: DecodingActionParam;
  private readonly models: readonly ModelAdapter[];
  private readonly scorer: DecodingScorer;
  private readonly endOfAnswer: string;
  private readonly endBytes: Uint8Array;
  private readonly decoding: 'greedy' | 'sample';
  private readonly temperature: number;
  private readonly stepCost: number;
  private readonly closeModels: boolean;
  private readonly obsDim: number;
  private readonly obsSpace: Box;
  private readonly actSpace: Box;
  private readonly spaces: AgentSpaces<Box, Box>;
  /** Names for actionToWeights' error messages, built once (formatting the space is not free). */
  private readonly weightCtx: { readonly agents: readonly string[]; readonly space: string };
  private readonly projections: readonly HiddenProjection[];
  private readonly mix: Float64Array;
  /** The current next-token distributions, one per model, refilled before every mixture (no per-token array). */
  private readonly dists: NextToken['logprobs'][];
  /** Per model: exp(v − max v) of its current full log-probs, written while building observations and
   *  reused by the first mixture of the next step (undefined once the distribution is replaced). */
  private readonly exps: (Float64Array | undefined)[];
  private readonly expBuffers: Float64Array[];
  /** Per model: the sum of `exps[i]` in index order, from the same pass (read by the mixture only while `exps[i]` is set). */
  private readonly expSums: Float64Array;
  /** Per model: union id → its re-tokenization when nothing is pending (pure function of the tokenizer, so cached). */
  private readonly retokenCache: Map<number, readonly number[]>[];
  /** Per-step scratch: the joint action, its weights, and per token each model's feed and call (reused, so a token allocates no arrays of its own). */
  private readonly rawActions: Float64Array;
  private readonly weightBuf: Float64Array;
  private readonly feeds: (readonly number[])[];
  private readonly calls: Promise<NextToken>[];

  /** Agent i's observation copy for step and reset records (one function for the env's life, see `stepInfos`). */
  private readonly observationCopy = (_agent: string, i: number): Float32Array => this.obs[i].slice();

  private sessions: Session[] = [];
  private pending: PendingBytes[] = [];
  private current: NextToken[] = [];
  private item: DecodingItem | undefined;
  private itemIndex = -1;
  private t = 0;
  private answerIds: number[] = [];
  private answerBytes: number[] = [];
  /** The answer's text while every byte is ASCII (then bytes and UTF-16 units coincide), else undefined: decoding each step's whole answer again is the slow path. */
  private asciiText: string | undefined = '';
  private tokenCounts: number[] = [];
  private prevWeights: Float64Array;
  private obs: Float32Array[] = [];
  /** Why the current episode was aborted (a model call failed mid-step), or undefined. */
  private aborted: string | undefined;

  /** Builds the env (the union vocabulary is computed here); see `EnsembleDecodingConfig` for options and defaults. */
  constructor(config: EnsembleDecodingConfig) {
    super();
    const models = config.models;
    if (!models || models.length === 0) throw new ConfigError('models', 'no model given', 'Pass at least one ModelAdapter (one agent per model).');
    const ids = models.map((m) => m.id);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup !== undefined)
      throw new ConfigError('models', `two models share the id "${dup}"`, 'Give every model a distinct id: agents are named after model ids.');
    this.models = models;
    this.possibleAgents = ids;
    const int = (field: string, v: number, min: number): number => {
      if (!Number.isInteger(v) || v < min) throw new ConfigError(field, `must be an integer >= ${min}, got ${v}`, `Set ${field} to ${min} or more.`);
      return v;
    };
    this.spanLength = int('spanLength', config.spanLength ?? 4, 1);
    this.maxSteps = int('maxSteps', config.maxSteps ?? 16, 1);
    this.obsHiddenDim = int('obsHiddenDim', config.obsHiddenDim ?? 32, 2);
    this.actionParam = config.actionParam ?? 'softmax';
    if (this.actionParam !== 'softmax' && this.actionParam !== 'concentration') {
      throw new ConfigError('actionParam', `unknown parameterisation "${String(this.actionParam)}"`, "Use 'softmax' or 'concentration'.");
    }
    this.decoding = config.decoding ?? 'greedy';
    if (this.decoding !== 'greedy' && this.decoding !== 'sample')
      throw new ConfigError('decoding', `unknown mode "${String(this.decoding)}"`, "Use 'greedy' or 'sample'.");
    this.temperature = config.temperature ?? 1;
    if (!(this.temperature > 0) || !Number.isFinite(this.temperature))
      throw new ConfigError('temperature', `must be a finite number > 0, got ${this.temperature}`, 'Use 1 for the plain mixture.');
    this.stepCost = config.stepCost ?? 0;
    if (!(this.stepCost >= 0) || !Number.isFinite(this.stepCost))
      throw new ConfigError('stepCost', `must be a finite number >= 0, got ${this.stepCost}`, 'Use 0 for no cost.');
    this.closeModels = config.closeModels ?? true;

    if (config.task) {
      const n = int('numItems', config.numItems ?? 256, 1);
      this.items = config.task.items(config.split ?? 'train', n, config.itemSeed ?? 0);
      const task = config.task;
      this.scorer = config.scorer ?? ((p, item) => task.score(p, item as Parameters<Task['score']>[1]));
      this.endOfAnswer = config.endOfAnswer ?? task.endOfAnswer;
    } else {
      if (!config.items || config.items.length === 0)
        throw new ConfigError('items', 'no task and no items given', 'Pass `task` or a non-empty list of {prompt, answer}.');
      this.items = config.items;
      this.endOfAnswer = config.endOfAnswer ?? '';
      this.scorer = config.scorer ?? exactMatchScorer(this.endOfAnswer);
    }
    this.endBytes = utf8enc.encode(this.endOfAnswer);

    this.vocab = UnionVocabulary.fromTokenizers(models.map((m) => m.tokenizer));
    this.mix = new Float64Array(this.vocab.size + 1);
    this.dists = new Array<NextToken['logprobs']>(models.length);
    this.exps = new Array<Float64Array | undefined>(models.length).fill(undefined);
    this.expBuffers = models.map(() => new Float64Array(0));
    this.expSums = new Float64Array(models.length);
    this.retokenCache = models.map(() => new Map<number, readonly number[]>());
    this.rawActions = new Float64Array(models.length);
    this.weightBuf = new Float64Array(models.length);
    this.feeds = new Array<readonly number[]>(models.length);
    this.calls = new Array<Promise<NextToken>>(models.length);
    const mode = config.projection ?? 'random';
    this.projections = models.map((m, i) => new HiddenProjection(m.hiddenSize, this.obsHiddenDim, mode, `${config.projectionSeed ?? 0}/${i}/${m.id}`));
    const n = models.length;
    this.obsDim = this.obsHiddenDim + SUMMARY_DIM + n;
    this.obsSpace = new Box(-Infinity, Infinity, [this.obsDim]);
    this.actSpace = this.actionParam === 'softmax' ? new Box(-Infinity, Infinity, [1]) : new Box(0, Infinity, [1]);
    this.stateSpace = new Box(-Infinity, Infinity, [this.obsDim * n]);
    this.spaces = { observation: this.obsSpace, action: this.actSpace };
    this.weightCtx = { agents: this.possibleAgents, space: this.actSpace.toString() };
    this.prevWeights = new Float64Array(n).fill(1 / n);
    const scoreRange = [0, 1];
    this.metadata = {
      name: 'EnsembleDecoding-v0',
      renderModes: [],
      autoreset: 'none',
      rewardRange: [scoreRange[0] - this.stepCost * this.maxSteps, scoreRange[1]],
      spanLength: this.spanLength,
      maxSteps: this.maxSteps,
    };
  }

  /** The item of the current episode (undefined before the first reset). */
  get currentItem(): DecodingItem | undefined {
    return this.item;
  }

  /** Text decoded so far in the current episode. */
  get text(): string {
    return this.asciiText ?? utf8.decode(new Uint8Array(this.answerBytes));
  }

  /** `Box(-inf, inf, [obsHiddenDim + 4 + N])` observations; `Box(-inf, inf, [1])` logit (softmax) or `Box(0, inf, [1])` concentration actions. */
  protected spacesOf(): AgentSpaces<Box, Box> {
    return this.spaces;
  }

  /** Every agent's current observation concatenated in agent order (a fresh array). */
  state(): Float32Array {
    const out = new Float32Array(this.stateSpace.flatDim);
    for (let i = 0; i < this.obs.length; i++) out.set(this.obs[i], i * this.obsDim);
    return out;
  }

  /** Starts an episode on `options.itemIndex` or a seeded random item; a rejected reset changes nothing. */
  protected async startEpisode(rng: Rng, options: DecodingResetOptions): Promise<ResetResult<Float32Array, string>> {
    // Validate before touching state, so a rejected reset leaves the env as it was.
    const idx = options.itemIndex ?? rng.int(this.items.length);
    if (!Number.isInteger(idx) || idx < 0 || idx >= this.items.length) {
      throw new ConfigError(
        'options.itemIndex',
        `${preview(idx)} is not an index into ${this.items.length} items`,
        `Pass an integer in 0..${this.items.length - 1}.`,
      );
    }
    await this.disposeSessions();
    this.itemIndex = idx;
    this.item = this.items[idx];
    const prompt = this.item.prompt;
    this.sessions = await Promise.all(this.models.map((m) => m.start(prompt)));
    this.pending = this.models.map(() => this.vocab.newPending());
    this.t = 0;
    this.answerIds = [];
    this.answerBytes = [];
    this.asciiText = '';
    this.tokenCounts = this.models.map(() => 0);
    this.prevWeights.fill(1 / this.models.length);
    this.current = await Promise.all(this.sessions.map((s) => s.next()));
    this.aborted = undefined;
    this.buildObservations();
    return this.resetResult(this.observationCopy, { item: this.item.id ?? idx, itemIndex: idx, prompt });
  }

  /** Mixes the models with the joint action's weights for the next span; an invalid action changes nothing. */
  protected async applyStep(actions: AgentRecord<string, Float32Array>): Promise<StepResult<Float32Array, string>> {
    const n = this.models.length;
    const raw = this.rawActions;
    for (let i = 0; i < n; i++) raw[i] = actions[this.possibleAgents[i]][0];
    const weights = actionToWeights(this.actionParam, raw, { ctx: this.weightCtx, out: this.weightBuf });

    const startBytes = this.answerBytes.length;
    let terminated = false;
    let truncated = false;
    // Model calls may fail part-way through a span (e.g. a remote server giving up), after some sessions have
    // consumed tokens: the episode cannot continue consistently, so it ends here and the error surfaces as is.
    try {
      for (let k = 0; k < this.spanLength; k++) {
        const u = this.pickToken(weights);
        this.answerIds.push(u);
        if (u === UnionVocabulary.EOS) {
          terminated = true;
          break;
        }
        const before = this.answerBytes.length;
        this.appendAnswerBytes(u);
        if (this.endBytes.length > 0 && indexOfBytes(this.answerBytes, this.endBytes, before - this.endBytes.length + 1) >= 0) {
          terminated = true;
          break;
        }
        const feeds = this.feeds;
        let full = false;
        for (let i = 0; i < n; i++) {
          feeds[i] = this.retokenize(i, u);
          if (this.sessions[i].length + feeds[i].length > this.models[i].maxContext) full = true;
        }
        if (full) {
          truncated = true;
          break;
        }
        // Every append is followed by that session's next distribution: the next token needs it, and after the
        // span it doubles as the next observation (also after truncation, where critics bootstrap from it). So
        // each session chains the two, and the step waits once per token instead of twice. All models' calls
        // are issued before any is awaited, so adapters that compute off the main thread overlap them.
        for (let i = 0; i < n; i++) this.calls[i] = appendThenNext(this.sessions[i], feeds[i]);
        this.current = await Promise.all(this.calls);
        this.exps.fill(undefined);
        for (let i = 0; i < n; i++) this.tokenCounts[i] += feeds[i].length;
      }
    } catch (e) {
      this.aborted = e instanceof Error ? e.message : String(e);
      this.endEpisode();
      throw e;
    }
    this.t++;
    if (!terminated && !truncated && this.t >= this.maxSteps) truncated = true;
    const done = terminated || truncated;

    this.prevWeights.set(weights);
    this.buildObservations();
    let text: string;
    let spanText: string;
    if (this.asciiText !== undefined) {
      text = this.asciiText;
      spanText = text.slice(startBytes);
    } else {
      const bytes = new Uint8Array(this.answerBytes);
      text = utf8.decode(bytes);
      spanText = utf8.decode(bytes.subarray(startBytes));
    }
    let reward = -this.stepCost;
    let score: number | undefined;
    if (done) {
      score = this.scorer(text, this.item!);
      reward += score;
    }
    // Array.from on a typed array walks the iterator protocol; one plain loop per step, then cheap copies per agent.
    const weightList = new Array<number>(weights.length);
    for (let j = 0; j < weights.length; j++) weightList[j] = weights[j];
    const result = this.stepResult({
      observation: this.observationCopy,
      reward,
      terminated,
      truncated: truncated && !terminated,
      info: this.stepInfos(weightList, spanText, text, done ? score : undefined),
    });
    if (done) this.endEpisode();
    return result;
  }

  /** Disposes the episode's sessions and, unless `closeModels` is false, the models (once; see `EnvBase.close`). */
  protected override async onClose(): Promise<void> {
    await this.disposeSessions();
    if (this.closeModels) await Promise.all(this.models.map((m) => m.close()));
  }

  /** After a failed model call the episode cannot continue consistently. */
  protected override stepRefusal(): string | undefined {
    if (this.aborted === undefined) return undefined;
    return `EnsembleDecodingEnv.step after the episode was aborted by a failed model call (${this.aborted}). Call reset() to start a new episode.`;
  }

  /** Shown in every `InvalidActionError` of this env. */
  protected override actionHint(): string {
    return `Each agent emits ${this.actionParam === 'softmax' ? 'one finite weight logit' : 'one finite concentration >= 0'}.`;
  }

  /**
   * Per agent, a fresh info of this step (each agent gets its own copies, so a caller mutating one info
   * cannot change another's); `score` is given when the episode ends. Returned rather than written
   * inline as `info: () => ...`: tsx (keepNames) names every arrow written as a property, one
   * `Object.defineProperty` per step.
   */
  private stepInfos(weightList: readonly number[], spanText: string, text: string, score: number | undefined): () => Info {
    const unionTokens = this.answerIds.length;
    return () => {
      const counts: Record<string, number> = {};
      for (let j = 0; j < this.possibleAgents.length; j++) counts[this.possibleAgents[j]] = this.tokenCounts[j];
      const info: Info = { weights: weightList.slice(), spanText, text, tokenCounts: counts, unionTokens, step: this.t };
      if (score !== undefined) {
        info.score = score;
        info.success = score >= 1;
      }
      return info;
    };
  }

  /** Appends union token `u`'s bytes to the answer, and to its text while the answer stays ASCII. */
  private appendAnswerBytes(u: number): void {
    const b = this.vocab.bytes(u);
    let ascii = this.asciiText !== undefined;
    for (let j = 0; j < b.length; j++) {
      this.answerBytes.push(b[j]);
      if (b[j] >= 0x80) ascii = false;
    }
    if (!ascii) this.asciiText = undefined;
    else if (b.length > 0) this.asciiText += this.vocab.text(u);
  }

  /** `vocab.retokenize` for model i, served from the cache when the result does not depend on pending bytes. */
  private retokenize(i: number, u: number): readonly number[] {
    const pending = this.pending[i];
    if (pending.bytes.length > 0) return this.vocab.retokenize(i, u, pending);
    const cached = this.retokenCache[i].get(u);
    if (cached) return cached;
    const ids = this.vocab.retokenize(i, u, pending);
    // Only results that leave nothing pending are a function of (model, union id) alone.
    if (pending.bytes.length === 0) this.retokenCache[i].set(u, ids);
    return ids;
  }

  private async disposeSessions(): Promise<void> {
    const old = this.sessions;
    this.sessions = [];
    await Promise.all(old.map((s) => s.dispose()));
  }

  /** The union id taken next: argmax of the mixture (ties: lowest id) or a seeded draw; never the tail entry. */
  private pickToken(weights: Float64Array): number {
    const dists = this.dists;
    for (let i = 0; i < dists.length; i++) dists[i] = this.current[i].logprobs;
    const mix = mixDistributions(this.vocab, dists, weights, this.mix, this.exps, this.expSums);
    const n = this.vocab.size;
    if (this.decoding === 'greedy') {
      let best = 0;
      for (let u = 1; u < n; u++) if (mix[u] > mix[best]) best = u;
      return best;
    }
    if (this.temperature !== 1) {
      const inv = 1 / this.temperature;
      for (let u = 0; u < n; u++) mix[u] = Math.pow(mix[u], inv);
    }
    mix[n] = 0;
    const u = this.rng.categorical(mix);
    if (u < n && mix[u] > 0) return u;
    // All mass on the tail (no union token claimed any): fall back to the most likely token.
    let best = 0;
    for (let v = 1; v < n; v++) if (mix[v] > mix[best]) best = v;
    return best;
  }

  /** Fills the internal observation buffers (callers get copies, so later steps never alter what they hold). */
  private buildObservations(): void {
    const n = this.models.length;
    const d = this.obsHiddenDim;
    if (this.obs.length !== n) this.obs = this.models.map(() => new Float32Array(this.obsDim));
    const stepFrac = this.t / this.maxSteps;
    for (let i = 0; i < n; i++) {
      const o = this.obs[i];
      const next = this.current[i];
      const hidden = this.models[i].hiddenSize > 0 ? next.hidden : undefined;
      const lp = next.logprobs;
      let ex: Float64Array | undefined;
      if (lp instanceof Float32Array) {
        if (this.expBuffers[i].length < lp.length) this.expBuffers[i] = new Float64Array(lp.length);
        ex = this.expBuffers[i];
      }
      const s = logprobFeatures(lp, hidden ? 0 : d, o, 0, ex);
      this.exps[i] = ex;
      this.expSums[i] = s.expSum;
      if (hidden) this.projections[i].apply(hidden, o, 0);
      o[d] = s.entropy;
      o[d + 1] = s.top1;
      o[d + 2] = s.margin;
      o[d + 3] = stepFrac;
      for (let j = 0; j < n; j++) o[d + SUMMARY_DIM + j] = this.prevWeights[j];
    }
  }
}
