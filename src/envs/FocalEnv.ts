import { ConfigError, UnknownAgentError } from '../core/errors.js';
import type { AgentRecord, EnvMetadata, HasGlobalState, ResetResult, StepResult } from '../core/ParallelEnv.js';
import type { Rng } from '../core/Rng.js';
import { putOwn } from '../core/putOwn.js';
import { Box, MultiBinary, type Space } from '../core/spaces.js';
import { effectiveInclude } from '../ensemble/actionToWeights.js';
import { pluralityVoteAccuracy } from '../ensemble/diversityMetrics.js';
import { EnsembleInputError } from '../ensemble/EnsembleInputError.js';
import { focalDiversity } from '../ensemble/focalDiversity.js';
import { argmaxWithTies } from '../ensemble/fuseAnswers.js';
import { ItemSampler, optionMaskOf, itemsOf, type AnswerDataset } from './answerData.js';
import { checkFusionOptions, packAnswers, type AnswerFusionOptions, type AnswerResetOptions, type PackedAnswers } from './AnswerEnsembleEnv.js';
import { AnswerFusion, rewardBounds } from './AnswerFusion.js';
import { EnvBase, type AgentSpaces } from './EnvBase.js';
import { richFeatureDim, writeRichFeatures } from './ownModelFeatures.js';

/** Options of `FocalEnv` (defaults in brackets); the fusion options are those of `AnswerEnsembleEnv`, applied to the chosen sub-ensemble. */
export interface FocalEnvConfig extends AnswerFusionOptions {
  /** Recorded answers to replay (see `loadAnswerData`); statistics use its train split only. */
  readonly data: AnswerDataset;
  /** Size penalty: the reward subtracts α·|S|/N [0.1]. */
  readonly alpha?: number;
  /** Optional shaping: the reward adds β·(focal diversity of S on the train split) [0]. */
  readonly beta?: number;
  /** One decider with MultiBinary(N) (`'single'`), or one decider per model with MultiBinary(1) (`'per-model'`) ['single']. */
  readonly deciders?: 'single' | 'per-model';
}

/** `FocalEnvConfig` with defaults filled in. */
export type ResolvedFocalEnvConfig = Required<FocalEnvConfig>;

/** Train-split statistics of a sub-ensemble. */
export interface SubsetStats {
  /** RL-Focal focal diversity of the subset's correctness on the train split, in [0, 1]. */
  readonly focalDiversity: number;
  /** Plurality-vote accuracy of the subset's top answers on the train split, in [0, 1]. */
  readonly fitness: number;
}

/** Fills defaults and rejects bad values with a `ConfigError` naming the field. */
export function resolveFocalEnvConfig(config: FocalEnvConfig): ResolvedFocalEnvConfig {
  if (!config || !config.data || !Array.isArray(config.data.models)) throw new ConfigError('data', 'missing', 'Pass data: await loadAnswerData(path).');
  checkFusionOptions(config);
  if (config.reward === 'difference')
    throw new ConfigError('reward', "'difference' gives each agent its own reward, but FocalEnv's agents share one", "Use 'correct', 'expected' or 'gain'.");
  const c = {
    alpha: 0.1,
    beta: 0,
    correctReward: 1,
    wrongReward: 0,
    deciders: 'single' as const,
    fusion: 'weights' as const,
    actionParam: 'softmax' as const,
    reward: 'correct' as const,
    features: 'scores' as const,
    split: 'train' as const,
    order: 'shuffle' as const,
    ...config,
  };
  for (const f of ['alpha', 'beta', 'correctReward', 'wrongReward'] as const) {
    if (!Number.isFinite(c[f])) throw new ConfigError(f, `must be a finite number, got ${c[f]}`, `Set ${f} to a finite number.`);
  }
  if (c.deciders !== 'single' && c.deciders !== 'per-model')
    throw new ConfigError('deciders', `unknown value ${JSON.stringify(c.deciders)}`, "Use 'single' or 'per-model'.");
  if (c.data.items.length === 0) throw new ConfigError('data', `${c.data.source} has no items`, 'Record at least one item.');
  if (itemsOf(c.data, 'train').length === 0)
    throw new ConfigError(
      'data',
      `${c.data.source} has no train items, so no sub-ensemble statistics can be computed`,
      'Mark some items "split": "train" (statistics never use test labels).',
    );
  return c;
}

const DECIDE = 0;
const FUSE = 1;

/**
 * RL-Focal's Decider + Fusion as one cooperative parallel env. An episode is one recorded question in
 * two steps. Step 1 (decide): the decider(s) choose which models to include (MultiBinary); if none is
 * included, the model with the best train-split accuracy is (ties: the lowest index). Step 2 (fuse):
 * one fusion agent per model (named after it) fuses the included models under `fusion` (weights:
 * excluded models get weight 0 and the included weights are renormalised; votes: only included models'
 * votes are summed). Reward (to every agent, after step 2; 0 after step 1):
 * `(correct ? correctReward : wrongReward) − α·|S|/N + β·focalDiversity(S)` (with `reward: 'expected'`
 * the first term is its expectation under the fused distribution).
 *
 * PettingZoo design: every agent is live and acts at both steps, and the observation's first two
 * entries are the one-hot phase. Only the phase's agents' actions take effect; the others must still
 * be valid and `infos[agent].actionUsed` says whether it mattered (trainers can mask those steps).
 * This keeps the agent set fixed, which batching and centralised critics need, and gives the decider
 * its reward at the end of the episode, when the outcome is known.
 *
 * Observations (K = maxOptions, T = tasks, N = models):
 * - decider: `[phase (2), every model's padded distribution (N·K), option mask (K), task one-hot (T),
 *   selection (N), focal diversity (1), fitness (1)]`; per-model deciders append their model one-hot (N).
 * - fusion agent i: `[phase (2), model i's distribution (K), option mask (K), task one-hot (T),
 *   included_i (1), selection (N), focal diversity (1), fitness (1)]`, then with `features: 'rich'`
 *   model i's rich features (3K + 2, see `writeRichFeatures`).
 * `selection` is the previous question's effective selection during the decide step (all ones after a
 * seeded reset) and this question's during the fuse step; focal diversity and fitness (plurality-vote
 * accuracy) are those of `selection`, computed once from the train split's labels only, so playing the
 * test split can never change them. The global state equals the single decider's observation.
 */
export class FocalEnv extends EnvBase<Box, Space<Float32Array | Uint8Array>, AnswerResetOptions> implements HasGlobalState {
  readonly possibleAgents: readonly string[];
  readonly deciderAgents: readonly string[];
  readonly fusionAgents: readonly string[];
  readonly metadata: EnvMetadata;
  readonly stateSpace: Box;
  readonly config: ResolvedFocalEnvConfig;
  private readonly data: AnswerDataset;
  private readonly packed: PackedAnswers;
  private readonly n: number;
  private readonly deciderObs: Box;
  private readonly fusionObs: Box;
  private readonly deciderAct: MultiBinary;
  private readonly fusionAct: Box;
  private readonly fusion: AnswerFusion;
  private readonly sampler: ItemSampler;
  private readonly trainCorrect: Uint8Array[];
  private readonly trainTop: Int32Array[];
  private readonly trainLabels: Int32Array;
  private readonly trainAccuracy: Float64Array;
  private readonly stats = new Map<string, SubsetStats>();
  private item = -1;
  private phase = DECIDE;
  private selection: Uint8Array;

  /** Builds the env and its train-split statistics; see `FocalEnvConfig`. */
  constructor(config: FocalEnvConfig) {
    super();
    this.config = resolveFocalEnvConfig(config);
    this.data = this.config.data;
    const n = (this.n = this.data.models.length);
    const k = this.data.maxOptions,
      t = this.data.tasks.length;
    this.fusionAgents = [...this.data.models];
    this.deciderAgents = this.config.deciders === 'single' ? ['decider'] : this.data.models.map((m) => `decider_${m}`);
    const clash = this.deciderAgents.find((d) => this.fusionAgents.includes(d));
    if (clash !== undefined)
      throw new ConfigError('data.models', `a model is named "${clash}", which is also a decider agent's name`, 'Rename the model in the data.');
    this.possibleAgents = [...this.deciderAgents, ...this.fusionAgents];
    this.packed = packAnswers(this.data);
    const common = n + 2;
    const deciderDim = 2 + n * k + k + t + common + (this.config.deciders === 'per-model' ? n : 0);
    this.deciderObs = new Box(0, 1, [deciderDim]);
    this.fusionObs = new Box(0, 1, [2 + 2 * k + t + 1 + common + (this.config.features === 'rich' ? richFeatureDim(k) : 0)]);
    this.stateSpace = new Box(0, 1, [2 + n * k + k + t + common]);
    this.deciderAct = new MultiBinary(this.config.deciders === 'single' ? n : 1);
    this.fusion = new AnswerFusion(this.config.fusion, this.config.actionParam, this.fusionAgents, k);
    this.fusionAct = this.fusion.actionSpace;
    this.sampler = new ItemSampler(this.data, this.config.split, this.config.order);
    // Statistics come from the train split only: labels of test items are never read here.
    const train = itemsOf(this.data, 'train');
    this.trainLabels = Int32Array.from(train, (it) => it.label);
    this.trainTop = this.data.models.map((_, m) => Int32Array.from(train, (it) => argmaxWithTies(it.probs[m], it.numOptions)));
    this.trainCorrect = this.trainTop.map((top) => Uint8Array.from(top, (a, j) => (a === this.trainLabels[j] ? 1 : 0)));
    this.trainAccuracy = Float64Array.from(this.trainCorrect, (c) => c.reduce((s, x) => s + x, 0) / c.length);
    this.selection = new Uint8Array(n).fill(1);
    const { correctReward, wrongReward, alpha, beta } = this.config;
    const [scoreLo, scoreHi] = rewardBounds(this.config.reward, correctReward, wrongReward);
    const lo = scoreLo - Math.max(alpha, 0) + Math.min(beta, 0);
    const hi = scoreHi - (alpha < 0 ? alpha : alpha / n) + Math.max(beta, 0);
    this.metadata = { name: 'FocalEnv-v0', renderModes: [], autoreset: 'none', rewardRange: [Math.min(lo, 0), Math.max(hi, 0)], phases: ['decide', 'fuse'] };
  }

  /** The item being played (index into `data.items`), -1 before the first reset. */
  get currentItem(): number {
    return this.item;
  }

  /** `'decide'` or `'fuse'`: whose actions the next step uses. */
  get currentPhase(): 'decide' | 'fuse' {
    return this.phase === DECIDE ? 'decide' : 'fuse';
  }

  /** Per-model accuracy of the top answer on the train split. */
  get trainAccuracies(): readonly number[] {
    return Array.from(this.trainAccuracy);
  }

  /**
   * Deciders: `Box(0, 1, [...])` of the decider layout and MultiBinary(N) (single) or MultiBinary(1) (per model);
   * fusion agents: the fusion layout (see the class doc) and the `fusion` mode's space (see `AnswerEnsembleEnv`).
   */
  protected spacesOf(agent: string): AgentSpaces<Box, Space<Float32Array | Uint8Array>> {
    return this.isDecider(agent)
      ? { observation: this.deciderObs, action: this.deciderAct as Space<Float32Array | Uint8Array> }
      : { observation: this.fusionObs, action: this.fusionAct as Space<Float32Array | Uint8Array> };
  }

  /** The effective include mask for `bits` (none included: the best model on the train split). */
  effectiveSelection(bits: ArrayLike<number>): Uint8Array {
    if (bits.length !== this.n)
      throw new EnsembleInputError(
        'FocalEnv.effectiveSelection',
        'bits',
        `has ${bits.length} entries for ${this.n} models`,
        "Pass one include bit (0 or 1) per model, in the dataset's model order.",
      );
    return effectiveInclude(bits, this.trainAccuracy);
  }

  /** Focal diversity and fitness of the sub-ensemble `bits` on the train split (cached; never uses test labels). */
  subsetStats(bits: ArrayLike<number>): SubsetStats {
    const sel = this.effectiveSelection(bits);
    const key = sel.join('');
    let s = this.stats.get(key);
    if (s === undefined) {
      const members: number[] = [];
      sel.forEach((b, i) => b && members.push(i));
      s = {
        focalDiversity: focalDiversity(this.trainCorrect, members),
        fitness: pluralityVoteAccuracy(
          members.map((i) => this.trainTop[i]),
          this.trainLabels,
        ),
      };
      this.stats.set(key, s);
    }
    return s;
  }

  /** Starts an episode on the next item (decide step first); `options` as in `AnswerEnsembleEnv`. */
  protected startEpisode(rng: Rng, options: AnswerResetOptions, reseeded: boolean): ResetResult<Float32Array, string> {
    this.item = this.sampler.pickForReset(options, rng, reseeded);
    if (reseeded) this.selection.fill(1);
    this.phase = DECIDE;
    const observations = this.observeAll();
    return this.resetResult((a) => observations[a], { phase: 'decide', itemId: this.data.items[this.item].id, optionMask: optionMaskOf(this.data, this.item) });
  }

  /** Decide step: records the selection. Fuse step: fuses the included models' answers, scores them and ends the episode. */
  protected applyStep(actions: AgentRecord<string, Float32Array | Uint8Array>): StepResult<Float32Array, string> {
    if (this.phase === DECIDE) {
      const bits = new Uint8Array(this.n);
      if (this.config.deciders === 'single') bits.set(actions[this.deciderAgents[0]]);
      else this.deciderAgents.forEach((d, i) => (bits[i] = actions[d][0]));
      this.selection = this.effectiveSelection(bits);
      this.phase = FUSE;
      const stats = this.subsetStats(this.selection);
      const shared = { phase: 'fuse', selection: Array.from(this.selection), ...stats };
      const observations = this.observeAll();
      return this.stepResult({
        observation: (a) => observations[a],
        reward: 0,
        terminated: false,
        truncated: false,
        info: (a) => ({ ...shared, selection: [...shared.selection], actionUsed: this.isDecider(a) }),
      });
    }
    const item = this.data.items[this.item];
    const fusing = this.fusionAgents.map((a) => actions[a] as Float32Array);
    const out = this.fusion.fuse(fusing, this.packed.rows[this.item], this.packed.rawRows[this.item], item.numOptions, item.label, this.selection);
    const fused = out.fused;
    const correct = fused === item.label;
    const size = this.selection.reduce((s, b) => s + b, 0);
    const stats = this.subsetStats(this.selection);
    const { correctReward, wrongReward, alpha, beta } = this.config;
    // one shared reward: 'gain' keeps the zero actions of every model (not only the chosen ones) as its baseline
    const [score] = this.fusion.scores(this.config.reward, out, correctReward, wrongReward, fusing, {
      rows: this.packed.rows[this.item],
      raw: this.packed.rawRows[this.item],
      numOptions: item.numOptions,
      label: item.label,
    });
    const reward = score - (alpha * size) / this.n + beta * stats.focalDiversity;
    const observations = this.observeAll();
    const fusedBy = out.weights ? { weights: Array.from(out.weights) } : { votes: Array.from(out.votes!) };
    const shared = {
      phase: 'done',
      fused,
      label: item.label,
      correct,
      labelProbability: out.labelProbability,
      ...fusedBy,
      selection: Array.from(this.selection),
      size,
      ...stats,
      itemId: item.id,
    };
    const info = (a: string): Record<string, unknown> => ({
      ...shared,
      ...(out.weights ? { weights: Array.from(out.weights) } : { votes: Array.from(out.votes!) }),
      selection: [...shared.selection],
      actionUsed: !this.isDecider(a),
    });
    return this.finalStep({ observation: (a) => observations[a], reward, terminated: true, truncated: false, info });
  }

  /** Which of the K padded options exist on the current item (1) and which are padding (0); also `infos[agent].optionMask` after reset. */
  optionMask(): Uint8Array {
    this.assertStarted('optionMask');
    return optionMaskOf(this.data, this.item);
  }

  /** The single decider's observation of the current step (see the class doc). */
  state(): Float32Array {
    this.assertStarted('state');
    const s = new Float32Array(this.stateSpace.flatDim);
    this.writeDecider(s);
    return s;
  }

  private isDecider(agent: string): boolean {
    if (this.deciderAgents.includes(agent)) return true;
    if (this.fusionAgents.includes(agent)) return false;
    throw new UnknownAgentError(agent, this.possibleAgents);
  }

  /** Writes the common decider layout into `o` and returns the offset after it. */
  private writeDecider(o: Float32Array): number {
    const k = this.data.maxOptions,
      nk = this.n * k;
    o[this.phase] = 1;
    o.set(this.packed.probs[this.item], 2);
    o.fill(1, 2 + nk, 2 + nk + this.data.items[this.item].numOptions);
    o[2 + nk + k + this.packed.taskIndex[this.item]] = 1;
    return this.writeSelection(o, 2 + nk + k + this.data.tasks.length);
  }

  private writeSelection(o: Float32Array, at: number): number {
    o.set(this.selection, at);
    const s = this.subsetStats(this.selection);
    o[at + this.n] = s.focalDiversity;
    o[at + this.n + 1] = s.fitness;
    return at + this.n + 2;
  }

  private observeAll(): AgentRecord<string, Float32Array> {
    const out = {} as AgentRecord<string, Float32Array>;
    const k = this.data.maxOptions;
    this.deciderAgents.forEach((d, j) => {
      const o = new Float32Array(this.deciderObs.flatDim);
      const at = this.writeDecider(o);
      if (this.config.deciders === 'per-model') o[at + j] = 1;
      putOwn(out, d, o);
    });
    this.fusionAgents.forEach((a, i) => {
      const o = new Float32Array(this.fusionObs.flatDim);
      o[this.phase] = 1;
      o.set(this.packed.rows[this.item][i], 2);
      o.fill(1, 2 + k, 2 + k + this.data.items[this.item].numOptions);
      o[2 + 2 * k + this.packed.taskIndex[this.item]] = 1;
      const at = 2 + 2 * k + this.data.tasks.length;
      o[at] = this.phase === FUSE ? this.selection[i] : 0;
      const end = this.writeSelection(o, at + 1);
      if (this.config.features === 'rich')
        writeRichFeatures(o, end, this.packed.rows[this.item][i], this.packed.rawRows[this.item][i], this.data.items[this.item].numOptions, k);
      putOwn(out, a, o);
    });
    return out;
  }

  /** Shown in every `InvalidActionError` of this env: what the agent sends and in which step it counts. */
  protected override actionHint(agent: string): string {
    return this.isDecider(agent)
      ? `Deciders send include bits (0 or 1), e.g. Uint8Array.of(${Array(this.deciderAct.flatDim).fill(1).join(', ')}); they act in both steps but only the decide step uses them.`
      : `${this.fusion.hint} Fusion agents act in both steps but only the fuse step uses them.`;
  }
}
