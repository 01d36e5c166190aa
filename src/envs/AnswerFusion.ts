import { Box } from '../core/spaces.js';
import { concentrationWeights, includeWeights, softmaxWeights, type ActionParam, type WeightContext } from '../ensemble/actionToWeights.js';
import { argmaxWithTies, calibratedVotes, fusedDistribution, linearVotes, softmaxAt, summedVotes, type FusionMode } from '../ensemble/fuseAnswers.js';

/**
 * How a fused answer is rewarded: `'correct'` (the greedy answer is right or not), `'expected'` (the
 * chance it is right when drawn from the fused distribution), or `'gain'` (that chance minus the chance
 * under the zero action of every model: an item-dependent offset no action can change, so the best
 * policy is the same as under `'expected'`, but the item's difficulty no longer swamps the effect of
 * the actions in the reward), or `'difference'` (each agent's own difference reward: that chance minus the
 * chance with only this agent's action replaced by the zero action; its gradient in the agent's own action
 * is the one of `'expected'`, but the other agents' exploration noise mostly cancels out of it).
 */
export type AnswerReward = 'correct' | 'expected' | 'gain' | 'difference';

/** The reward kinds, in documentation order. */
export const ANSWER_REWARDS: readonly AnswerReward[] = ['correct', 'expected', 'gain', 'difference'];

/** The correctness part of a reward in `[min(correct, wrong), max(correct, wrong)]` (`'gain'`, `'difference'`: ±|correct − wrong|). */
export function rewardBounds(kind: AnswerReward, correctReward: number, wrongReward: number): [number, number] {
  if (kind === 'gain' || kind === 'difference') return [-Math.abs(correctReward - wrongReward), Math.abs(correctReward - wrongReward)];
  return [Math.min(correctReward, wrongReward), Math.max(correctReward, wrongReward)];
}

/** One fusion of the agents' actions on one item. */
export interface FusionOutcome {
  /** The team answer: argmax of the fused scores over the item's options (near-ties to the lowest index). */
  readonly fused: number;
  /** Probability of `label` under the fused distribution (weights: Σ w·p renormalised; votes: softmax of the summed votes). */
  readonly labelProbability: number;
  /** Mixing weights in agent order (`'weights'` mode only). */
  readonly weights?: Float64Array;
  /** Summed votes over the item's options (every mode but `'weights'`). */
  readonly votes?: Float64Array;
}

/**
 * The fusion step every answer env shares: the action space of a fusion agent under a `FusionMode`
 * (a `Box`, so `EnvBase`'s action check rejects non-finite entries) and the fused answer of all agents' actions.
 */
export class AnswerFusion {
  /** Every fusion agent's action space (see `FusionMode`). */
  readonly actionSpace: Box;
  /** What a valid action looks like, for error messages. */
  readonly hint: string;
  private readonly ctx: WeightContext;
  private readonly scratch: Float64Array[];
  private readonly zeros: Float32Array[];

  /** `maxOptions` is K, the padding width of the items' options. */
  constructor(
    readonly mode: FusionMode,
    readonly actionParam: ActionParam,
    readonly agents: readonly string[],
    readonly maxOptions: number,
  ) {
    const k = maxOptions;
    if (mode === 'weights') this.actionSpace = actionParam === 'softmax' ? new Box(-Infinity, Infinity, [1]) : new Box(0, Infinity, [1]);
    else this.actionSpace = new Box(-Infinity, Infinity, [mode === 'votes' ? k : mode === 'linear' ? 3 : k + 1]);
    this.hint =
      mode === 'votes'
        ? `Pass ${k} finite option logits per agent (entries past the item's options are ignored), e.g. new Float32Array(${k}).`
        : mode === 'linear'
          ? 'Pass three finite coefficients [a, b, c] per agent (votes a·score + b·p + (1 + c)·log p), e.g. new Float32Array(3).'
          : mode === 'calibrated'
            ? `Pass [log-temperature, ${k} option biases] (${k + 1} finite numbers) per agent, e.g. new Float32Array(${k + 1}).`
            : actionParam === 'softmax'
              ? 'Pass one finite logit per agent, e.g. Float32Array.of(0).'
              : 'Pass one finite concentration >= 0 per agent, e.g. Float32Array.of(1).';
    this.ctx = { agents, space: String(this.actionSpace) };
    this.scratch = agents.map(() => new Float64Array(k));
    this.zeros = agents.map(() => new Float32Array(this.actionSpace.flatDim));
  }

  /**
   * The correctness part of the reward of `out` (the fusion of `actions`) under `kind`, one entry per agent
   * (`'gain'` fuses the zero actions of every model as its baseline, `'difference'` the zero action of the agent
   * itself with the others' actions kept; `include` as in `fuse`).
   */
  scores(
    kind: AnswerReward,
    out: FusionOutcome,
    correctReward: number,
    wrongReward: number,
    actions: readonly Float32Array[],
    item: { readonly rows: readonly Float32Array[]; readonly raw: readonly Float32Array[]; readonly numOptions: number; readonly label: number },
    include?: Uint8Array,
  ): Float64Array {
    const { rows, raw, numOptions, label } = item;
    const span = correctReward - wrongReward;
    const out64 = new Float64Array(actions.length);
    if (kind === 'correct') return out64.fill(out.fused === label ? correctReward : wrongReward);
    if (kind === 'expected') return out64.fill(wrongReward + span * out.labelProbability);
    if (kind === 'gain') return out64.fill(span * (out.labelProbability - this.fuse(this.zeros, rows, raw, numOptions, label, include).labelProbability));
    const others = actions.slice();
    for (let i = 0; i < actions.length; i++) {
      others[i] = this.zeros[i];
      out64[i] = span * (out.labelProbability - this.fuse(others, rows, raw, numOptions, label, include).labelProbability);
      others[i] = actions[i];
    }
    return out64;
  }

  /**
   * Fuses checked `actions` (agent order) on an item whose model distributions are `rows` and recorded
   * scores `raw` (both padded to K), with `numOptions` options and right option `label`; `include`
   * (0/1 per agent, at least one 1) restricts the fusion to a sub-ensemble.
   */
  fuse(
    actions: readonly Float32Array[],
    rows: readonly Float32Array[],
    raw: readonly Float32Array[],
    numOptions: number,
    label: number,
    include?: Uint8Array,
  ): FusionOutcome {
    if (this.mode === 'weights') {
      const raw = Float64Array.from(actions, (a) => a[0]);
      const w0 = this.actionParam === 'softmax' ? softmaxWeights(raw, this.ctx) : concentrationWeights(raw, this.ctx);
      const weights = include !== undefined ? includeWeights(include, w0, this.ctx) : w0;
      const mix = fusedDistribution(rows, weights, numOptions);
      let z = 0;
      for (let k = 0; k < numOptions; k++) z += mix[k];
      return { fused: argmaxWithTies(mix, numOptions), labelProbability: z > 0 ? mix[label] / z : 1 / numOptions, weights };
    }
    const votes =
      this.mode === 'votes'
        ? actions
        : this.mode === 'linear'
          ? actions.map((a, i) => linearVotes(raw[i], rows[i], a, numOptions, this.scratch[i]))
          : actions.map((a, i) => calibratedVotes(rows[i], a, numOptions, this.scratch[i]));
    const sum = summedVotes(votes, numOptions, include);
    return { fused: argmaxWithTies(sum, numOptions), labelProbability: softmaxAt(sum, numOptions, label), votes: sum };
  }
}
