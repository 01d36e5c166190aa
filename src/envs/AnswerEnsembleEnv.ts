import { ConfigError } from '../core/errors.js';
import type { AgentRecord, EnvMetadata, HasGlobalState, ResetResult, StepResult } from '../core/ParallelEnv.js';
import type { Rng } from '../core/Rng.js';
import { Box } from '../core/spaces.js';
import { concentrationWeights, softmaxWeights, type WeightContext } from '../ensemble/actionToWeights.js';
import { fuseAnswer } from '../ensemble/fuseAnswers.js';
import { ItemSampler, optionMaskOf, type AnswerDataset, type AnswerSplit, type ItemOrder } from './answerData.js';
import { EnvBase, type AgentSpaces } from './EnvBase.js';

/** Options of `AnswerEnsembleEnv` (defaults in brackets). */
export interface AnswerEnsembleConfig {
  /** Recorded answers to replay (see `loadAnswerData`). */
  readonly data: AnswerDataset;
  /** How actions become weights: `'softmax'` of one logit per agent, or normalised `'concentration'` (≥ 0) ['softmax']. */
  readonly weights?: 'softmax' | 'concentration';
  /** Reward when the fused answer is right [1]. */
  readonly correctReward?: number;
  /** Reward when it is wrong (RL-Focal uses 0; -1 penalises mistakes) [0]. */
  readonly wrongReward?: number;
  /** Split episodes are drawn from; `reset({ options: { split } })` switches it ['train']. */
  readonly split?: AnswerSplit | 'all';
  /** Order items are drawn in ['shuffle']. */
  readonly order?: ItemOrder;
}

/** `AnswerEnsembleConfig` with defaults filled in. */
export type ResolvedAnswerEnsembleConfig = Required<AnswerEnsembleConfig>;

/** Per-episode options of `reset({ options })`. */
export interface AnswerResetOptions {
  readonly split?: AnswerSplit | 'all';
  readonly order?: ItemOrder;
  /** Play this item (index within the split) instead of sampling one. */
  readonly itemIndex?: number;
}

/** Fills defaults and rejects bad values with a `ConfigError` naming the field. */
export function resolveAnswerEnsembleConfig(config: AnswerEnsembleConfig): ResolvedAnswerEnsembleConfig {
  if (!config || !config.data || !Array.isArray(config.data.models)) throw new ConfigError('data', 'missing', 'Pass data: await loadAnswerData(path).');
  const c = { weights: 'softmax' as const, correctReward: 1, wrongReward: 0, split: 'train' as const, order: 'shuffle' as const, ...config };
  if (c.weights !== 'softmax' && c.weights !== 'concentration') throw new ConfigError('weights', `unknown parameterisation ${JSON.stringify(c.weights)}`, "Use 'softmax' or 'concentration'.");
  for (const f of ['correctReward', 'wrongReward'] as const) {
    if (!Number.isFinite(c[f])) throw new ConfigError(f, `must be a finite number, got ${c[f]}`, `Set ${f} to a finite number.`);
  }
  if (c.data.items.length === 0) throw new ConfigError('data', `${c.data.source} has no items`, 'Record at least one item.');
  return c;
}

/** Per-item arrays laid out once so reset and step only copy. */
export interface PackedAnswers {
  /** `probs[item]`: N×K floats, row i = model i's distribution padded with zeros to K = maxOptions. */
  readonly probs: Float32Array[];
  /** `rows[item][i]`: row i of `probs[item]` (a view). */
  readonly rows: Float32Array[][];
  readonly taskIndex: Int32Array;
}

/** Lays out every item's distributions for fast observation building. */
export function packAnswers(data: AnswerDataset): PackedAnswers {
  const n = data.models.length, k = data.maxOptions;
  const probs: Float32Array[] = [];
  const rows: Float32Array[][] = [];
  for (const it of data.items) {
    const p = new Float32Array(n * k);
    it.probs.forEach((row, i) => p.set(row, i * k));
    probs.push(p);
    rows.push(data.models.map((_, i) => p.subarray(i * k, (i + 1) * k)));
  }
  return { probs, rows, taskIndex: Int32Array.from(data.items, (it) => data.tasks.indexOf(it.task)) };
}

/**
 * RL-Focal's Fusion as a cooperative parallel env. An episode is one recorded question; there is one
 * agent per model, named after it. Agent i observes `[model i's distribution over the options,
 * padded to K = maxOptions (K), option mask (K), one-hot of the item's task (T)]` and acts with one
 * number: a logit (weights = softmax over agents) or a concentration ≥ 0 (weights = normalised).
 * The fused answer is the argmax of Σ_i w_i·p_i over the item's options; every agent receives
 * `correctReward` if it is the label, else `wrongReward`, and the episode terminates after that one
 * step. `infos[agent]` (each agent's own copy) holds `fused`, `label`, `correct`, `weights`
 * (in agent order) and `itemId`. The global state is `[all models' padded distributions (N·K), mask (K), task one-hot (T)]`.
 */
export class AnswerEnsembleEnv extends EnvBase<Box, Box, AnswerResetOptions> implements HasGlobalState {
  readonly possibleAgents: readonly string[];
  readonly metadata: EnvMetadata;
  readonly stateSpace: Box;
  readonly config: ResolvedAnswerEnsembleConfig;
  private readonly data: AnswerDataset;
  private readonly packed: PackedAnswers;
  private readonly obsSpace: Box;
  private readonly actSpace: Box;
  private readonly spaces: AgentSpaces<Box, Box>;
  private readonly sampler: ItemSampler;
  private readonly ctx: WeightContext;
  private readonly actionBuf: Float64Array;
  private readonly weightBuf: Float64Array;
  private readonly mixBuf: Float64Array;
  private item = -1;

  /** Builds the env over `config.data`; see `AnswerEnsembleConfig` for the options. */
  constructor(config: AnswerEnsembleConfig) {
    super();
    this.config = resolveAnswerEnsembleConfig(config);
    this.data = this.config.data;
    const n = this.data.models.length, k = this.data.maxOptions, t = this.data.tasks.length;
    this.possibleAgents = [...this.data.models];
    this.packed = packAnswers(this.data);
    this.obsSpace = new Box(0, 1, [2 * k + t]);
    this.actSpace = this.config.weights === 'softmax' ? new Box(-Infinity, Infinity, [1]) : new Box(0, Infinity, [1]);
    this.stateSpace = new Box(0, 1, [n * k + k + t]);
    this.spaces = { observation: this.obsSpace, action: this.actSpace };
    this.sampler = new ItemSampler(this.data, this.config.split, this.config.order);
    this.ctx = { agents: this.possibleAgents, space: String(this.actSpace) };
    this.actionBuf = new Float64Array(n);
    this.weightBuf = new Float64Array(n);
    this.mixBuf = new Float64Array(k);
    const { correctReward, wrongReward } = this.config;
    this.metadata = {
      name: 'AnswerEnsemble-v0',
      renderModes: [],
      autoreset: 'none',
      rewardRange: [Math.min(correctReward, wrongReward), Math.max(correctReward, wrongReward)],
    };
  }

  /** The item being played (index into `data.items`), -1 before the first reset. */
  get currentItem(): number {
    return this.item;
  }

  /** `Box(0, 1, [2K + T])` observations; `Box(-inf, inf, [1])` logit (softmax) or `Box(0, inf, [1])` concentration actions (±Infinity is rejected). */
  protected spacesOf(): AgentSpaces<Box, Box> {
    return this.spaces;
  }

  /** Starts an episode on the next item of the split; `options` may switch split/order or pick an item. */
  protected startEpisode(rng: Rng, options: AnswerResetOptions, reseeded: boolean): ResetResult<Float32Array, string> {
    this.item = this.sampler.pickForReset(options, rng, reseeded);
    return this.resetResult((_a, i) => this.observe(i), { itemId: this.data.items[this.item].id, optionMask: optionMaskOf(this.data, this.item) });
  }

  /** Fuses the models' answers with the agents' weights, scores it, and ends the episode. */
  protected applyStep(actions: AgentRecord<string, Float32Array>): StepResult<Float32Array, string> {
    const n = this.possibleAgents.length;
    for (let i = 0; i < n; i++) this.actionBuf[i] = actions[this.possibleAgents[i]][0];
    // Both parameterisations validate finiteness and throw before any state changes.
    const w = this.config.weights === 'softmax' ? softmaxWeights(this.actionBuf, this.ctx, this.weightBuf) : concentrationWeights(this.actionBuf, this.ctx, this.weightBuf);
    const item = this.data.items[this.item];
    const fused = fuseAnswer(this.packed.rows[this.item], w, item.numOptions, this.mixBuf);
    const correct = fused === item.label;
    const reward = correct ? this.config.correctReward : this.config.wrongReward;
    const info = { fused, label: item.label, correct, weights: Array.from(w), itemId: item.id };
    return this.finalStep({ observation: (_a, i) => this.observe(i), reward, terminated: true, truncated: false, info });
  }

  /** Which of the K padded options exist on the current item (1) and which are padding (0); also `infos[agent].optionMask` after reset. */
  optionMask(): Uint8Array {
    this.assertStarted('optionMask');
    return optionMaskOf(this.data, this.item);
  }

  /** `[all models' padded distributions (N·K), option mask (K), task one-hot (T)]` of the current item. */
  state(): Float32Array {
    this.assertStarted('state');
    const k = this.data.maxOptions, nk = this.possibleAgents.length * k;
    const s = new Float32Array(this.stateSpace.flatDim);
    s.set(this.packed.probs[this.item]);
    s.fill(1, nk, nk + this.data.items[this.item].numOptions);
    s[nk + k + this.packed.taskIndex[this.item]] = 1;
    return s;
  }

  private observe(i: number): Float32Array {
    const k = this.data.maxOptions;
    const o = new Float32Array(this.obsSpace.flatDim);
    o.set(this.packed.rows[this.item][i]);
    o.fill(1, k, k + this.data.items[this.item].numOptions);
    o[2 * k + this.packed.taskIndex[this.item]] = 1;
    return o;
  }

  /** Shown in every `InvalidActionError` of this env. */
  protected override actionHint(): string {
    return this.config.weights === 'softmax' ? 'Pass one finite logit per agent, e.g. Float32Array.of(0).' : 'Pass one finite concentration >= 0 per agent, e.g. Float32Array.of(1).';
  }
}
