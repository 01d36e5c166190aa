import { ConfigError } from '../core/errors.js';
import type { AgentRecord, EnvMetadata, HasGlobalState, ResetResult, StepResult } from '../core/ParallelEnv.js';
import type { Rng } from '../core/Rng.js';
import { Box } from '../core/spaces.js';
import type { ActionParam } from '../ensemble/actionToWeights.js';
import { FUSION_MODES, type FusionMode } from '../ensemble/fuseAnswers.js';
import { ItemSampler, optionMaskOf, type AnswerDataset, type AnswerSplit, type ItemOrder } from './answerData.js';
import { ANSWER_REWARDS, AnswerFusion, rewardBounds, type AnswerReward } from './AnswerFusion.js';
import { EnvBase, type AgentSpaces } from './EnvBase.js';
import { richFeatureDim, writeRichFeatures, type AnswerFeatures } from './ownModelFeatures.js';

/** Options the answer envs share: how actions become the team answer, the reward and what is replayed (defaults in brackets). */
export interface AnswerFusionOptions {
  /** How the agents' actions become the team answer: mixing `'weights'`, per-option `'votes'`, or per-model `'calibrated'` votes (see `FusionMode`) ['weights']. */
  readonly fusion?: FusionMode;
  /** `'weights'` mode: `'softmax'` of one logit per agent, or normalised `'concentration'` (≥ 0) ['softmax']. */
  readonly actionParam?: ActionParam;
  /** `'correct'`: the reward says whether the greedy answer is right; `'expected'`: its expectation when the answer is drawn from the fused distribution (smoother for learning; infos still report the greedy answer); `'gain'`: that expectation minus the one of the zero actions; `'difference'`: per agent, that expectation minus the one with only its own action zeroed (see `AnswerReward`) ['correct']. */
  readonly reward?: AnswerReward;
  /** What agent i observes of its own model beyond the task: `'scores'`, or `'rich'` (also recorded scores, log-scores, top option, margin, entropy) ['scores']. */
  readonly features?: AnswerFeatures;
  /** Reward when the fused answer is right [1]. */
  readonly correctReward?: number;
  /** Reward when it is wrong (RL-Focal uses 0; -1 penalises mistakes) [0]. */
  readonly wrongReward?: number;
  /** Split episodes are drawn from; `reset({ options: { split } })` switches it ['train']. */
  readonly split?: AnswerSplit | 'all';
  /** Order items are drawn in ['shuffle']. */
  readonly order?: ItemOrder;
}

/** Options of `AnswerEnsembleEnv` (defaults in brackets). */
export interface AnswerEnsembleConfig extends AnswerFusionOptions {
  /** Recorded answers to replay (see `loadAnswerData`). */
  readonly data: AnswerDataset;
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
  checkFusionOptions(config);
  const c = {
    fusion: 'weights' as const,
    actionParam: 'softmax' as const,
    reward: 'correct' as const,
    features: 'scores' as const,
    correctReward: 1,
    wrongReward: 0,
    split: 'train' as const,
    order: 'shuffle' as const,
    ...config,
  };
  for (const f of ['correctReward', 'wrongReward'] as const) {
    if (!Number.isFinite(c[f])) throw new ConfigError(f, `must be a finite number, got ${c[f]}`, `Set ${f} to a finite number.`);
  }
  if (c.data.items.length === 0) throw new ConfigError('data', `${c.data.source} has no items`, 'Record at least one item.');
  return c;
}

/** Checks the fusion options every answer env shares (`fusion`, `actionParam`, `reward`, `features`), naming the field of a bad value. */
export function checkFusionOptions(config: {
  readonly fusion?: unknown;
  readonly actionParam?: unknown;
  readonly reward?: unknown;
  readonly features?: unknown;
}): void {
  if ('weights' in config)
    throw new ConfigError(
      'weights',
      'was renamed actionParam (the same name every env uses)',
      "Pass actionParam: 'softmax' or 'concentration' instead of weights.",
    );
  const oneOf = (field: string, v: unknown, allowed: readonly string[]): void => {
    if (v !== undefined && !allowed.includes(v as string))
      throw new ConfigError(field, `unknown value ${JSON.stringify(v)}`, `Use ${allowed.map((a) => `'${a}'`).join(', ')}.`);
  };
  oneOf('fusion', config.fusion, FUSION_MODES);
  oneOf('actionParam', config.actionParam, ['softmax', 'concentration']);
  oneOf('reward', config.reward, ANSWER_REWARDS);
  oneOf('features', config.features, ['scores', 'rich']);
}

/** Per-item arrays laid out once so reset and step only copy. */
export interface PackedAnswers {
  /** `probs[item]`: N×K floats, row i = model i's distribution padded with zeros to K = maxOptions. */
  readonly probs: Float32Array[];
  /** `rows[item][i]`: row i of `probs[item]` (a view). */
  readonly rows: Float32Array[][];
  /** `rawRows[item][i]`: model i's recorded scores, padded to K (its normalised scores when the item has none). */
  readonly rawRows: Float32Array[][];
  readonly taskIndex: Int32Array;
}

/** Lays out every item's distributions for fast observation building. */
export function packAnswers(data: AnswerDataset): PackedAnswers {
  const n = data.models.length,
    k = data.maxOptions;
  const probs: Float32Array[] = [];
  const rows: Float32Array[][] = [];
  const rawRows: Float32Array[][] = [];
  for (const it of data.items) {
    rawRows.push(
      data.models.map((_, i) => {
        const r = new Float32Array(k);
        r.set((it.scores ?? it.probs)[i]);
        return r;
      }),
    );
    const p = new Float32Array(n * k);
    it.probs.forEach((row, i) => p.set(row, i * k));
    probs.push(p);
    rows.push(data.models.map((_, i) => p.subarray(i * k, (i + 1) * k)));
  }
  return { probs, rows, rawRows, taskIndex: Int32Array.from(data.items, (it) => data.tasks.indexOf(it.task)) };
}

/**
 * RL-Focal's Fusion as a cooperative parallel env (a Dec-POMDP). An episode is one recorded question;
 * there is one agent per model, named after it. Agent i observes only its own model: `[model i's
 * distribution over the options, padded to K = maxOptions (K), option mask (K), one-hot of the item's
 * task (T)]`, followed with `features: 'rich'` by model i's recorded scores, log-scores, top option, margin and entropy
 * (3K + 2, see `writeRichFeatures`). Its action depends on `fusion` (see `FusionMode`): one number
 * (a logit or a concentration ≥ 0 turned into a mixing weight; answer = argmax Σ_i w_i·p_i), K option
 * logits (`'votes'`; answer = argmax Σ_i votes_i over the item's options, so a masked option is never
 * the answer), `[log-temperature, K biases]` (`'calibrated'`), or three coefficients (`'linear'`). Every agent receives `correctReward`
 * if the answer is the label, else `wrongReward` (with `reward: 'expected'`, their expectation under
 * the fused distribution; with `'gain'`, that expectation minus the one of all-zero actions; with `'difference'`,
 * agent i's own counterfactual: that expectation minus the one with only agent i's action zeroed), and the episode terminates after that one step. `infos[agent]` (each
 * agent's own copy) holds `fused`, `label`, `correct`, `labelProbability`, `weights` (agent order;
 * `'weights'` mode) or `votes` (summed, per option), and `itemId`. The global state is `[all models'
 * padded distributions (N·K), mask (K), task one-hot (T)]`.
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
  private readonly fusion: AnswerFusion;
  private item = -1;

  /** Builds the env over `config.data`; see `AnswerEnsembleConfig` for the options. */
  constructor(config: AnswerEnsembleConfig) {
    super();
    this.config = resolveAnswerEnsembleConfig(config);
    this.data = this.config.data;
    const n = this.data.models.length,
      k = this.data.maxOptions,
      t = this.data.tasks.length;
    this.possibleAgents = [...this.data.models];
    this.packed = packAnswers(this.data);
    this.obsSpace = new Box(0, 1, [2 * k + t + (this.config.features === 'rich' ? richFeatureDim(k) : 0)]);
    this.fusion = new AnswerFusion(this.config.fusion, this.config.actionParam, this.possibleAgents, k);
    this.actSpace = this.fusion.actionSpace;
    this.stateSpace = new Box(0, 1, [n * k + k + t]);
    this.spaces = { observation: this.obsSpace, action: this.actSpace };
    this.sampler = new ItemSampler(this.data, this.config.split, this.config.order);
    const { correctReward, wrongReward } = this.config;
    this.metadata = {
      name: 'AnswerEnsemble-v0',
      renderModes: [],
      autoreset: 'none',
      rewardRange: rewardBounds(this.config.reward, correctReward, wrongReward),
    };
  }

  /** The item being played (index into `data.items`), -1 before the first reset. */
  get currentItem(): number {
    return this.item;
  }

  /**
   * `Box(0, 1, [2K + T])` observations (plus the rich features); actions by `fusion`: `'weights'`: `Box(-inf, inf, [1])` logit or
   * `Box(0, inf, [1])` concentration; `'votes'`: `Box(-inf, inf, [K])`; `'calibrated'`: `Box(-inf, inf, [K + 1])`. Non-finite entries are rejected.
   */
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
    const item = this.data.items[this.item];
    const rows = this.packed.rows[this.item],
      raw = this.packed.rawRows[this.item];
    const acts = this.possibleAgents.map((a) => actions[a]);
    const out = this.fusion.fuse(acts, rows, raw, item.numOptions, item.label);
    const correct = out.fused === item.label;
    const rewards = this.fusion.scores(this.config.reward, out, this.config.correctReward, this.config.wrongReward, acts, {
      rows,
      raw,
      numOptions: item.numOptions,
      label: item.label,
    });
    const info = {
      fused: out.fused,
      label: item.label,
      correct,
      labelProbability: out.labelProbability,
      ...(out.weights ? { weights: Array.from(out.weights) } : { votes: Array.from(out.votes!) }),
      itemId: item.id,
    };
    return this.finalStep({ observation: (_a, i) => this.observe(i), reward: (_a, i) => rewards[i], terminated: true, truncated: false, info });
  }

  /** Which of the K padded options exist on the current item (1) and which are padding (0); also `infos[agent].optionMask` after reset. */
  optionMask(): Uint8Array {
    this.assertStarted('optionMask');
    return optionMaskOf(this.data, this.item);
  }

  /** `[all models' padded distributions (N·K), option mask (K), task one-hot (T)]` of the current item. */
  state(): Float32Array {
    this.assertStarted('state');
    const k = this.data.maxOptions,
      nk = this.possibleAgents.length * k;
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
    if (this.config.features === 'rich')
      writeRichFeatures(
        o,
        2 * k + this.data.tasks.length,
        this.packed.rows[this.item][i],
        this.packed.rawRows[this.item][i],
        this.data.items[this.item].numOptions,
        k,
      );
    return o;
  }

  /** Shown in every `InvalidActionError` of this env. */
  protected override actionHint(): string {
    return this.fusion.hint;
  }
}
