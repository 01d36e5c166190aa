import { ConfigError } from '../../core/errors.js';
import type { ActResult, Policy, PolicyState } from '../Policy.js';
import { readAnswerObservation } from './answerObservation.js';
import type { ActionParam } from '../../ensemble/actionToWeights.js';
import { weightsToActions } from './weightActions.js';

/**
 * Answer-level plurality vote on AnswerEnsembleEnv: each model votes for its top option; the option
 * with most votes wins (ties: the larger summed confidence, then the lower index). Realised as weights:
 * equal weight on the models that voted for the winner — every such distribution peaks there, so
 * their sum does too and the env's fused argmax is exactly the vote.
 */
export class PluralityVotePolicy implements Policy {
  readonly agents: readonly string[];

  /** `numOptions` is the dataset's `maxOptions` (the observation's padding width K). */
  constructor(
    agents: readonly string[],
    readonly numOptions: number,
    readonly param: ActionParam = 'softmax',
  ) {
    this.agents = [...agents];
    if (!Number.isInteger(numOptions) || numOptions < 1)
      throw new ConfigError('numOptions', `must be a positive integer, got ${numOptions}`, 'Pass data.maxOptions.');
  }

  /** The weights that reproduce the plurality vote for the current item. */
  act(observations: Record<string, Float32Array>): ActResult {
    const K = this.numOptions;
    const votes = new Float64Array(K);
    const conf = new Float64Array(K);
    const choice = this.agents.map((a) => {
      const { probs, mask } = readAnswerObservation(observations[a], K);
      let best = -1;
      for (let k = 0; k < K; k++) if (mask[k] > 0 && (best < 0 || probs[k] > probs[best])) best = k;
      if (best >= 0) {
        votes[best] += 1;
        conf[best] += probs[best];
      }
      return best;
    });
    let win = 0;
    for (let k = 1; k < K; k++) if (votes[k] > votes[win] || (votes[k] === votes[win] && conf[k] > conf[win])) win = k;
    const weights = choice.map((c) => (c === win ? 1 : 0));
    return { actions: weightsToActions(this.agents, weights, this.param), logProbs: Object.fromEntries(this.agents.map((a) => [a, 0])) };
  }

  /** Agents and option count. */
  save(): PolicyState {
    return { kind: 'plurality-vote', agents: this.agents, numOptions: this.numOptions, param: this.param };
  }

  /** Nothing learned: checks the snapshot is for the same agents and options. */
  load(state: PolicyState): void {
    if (state.kind !== 'plurality-vote' || JSON.stringify(state.agents) !== JSON.stringify(this.agents) || state.numOptions !== this.numOptions) {
      throw new ConfigError(
        'policy.kind',
        'is not a plurality-vote snapshot for these agents and options',
        'Load a snapshot saved by the same PluralityVotePolicy.',
      );
    }
  }

  /** Nothing to free. */
  dispose(): void {}
}
