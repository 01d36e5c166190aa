import type { Task } from '../../ensemble/tasks/Task.js';
import { weightsToActions } from '../../agents/baselines/weightActions.js';
import type { ActResult, Policy, PolicyState } from '../../agents/Policy.js';
import { ConfigError } from '../../core/errors.js';

/** What the oracle reads of the decoding env: its agents and the answer text decoded so far. */
export interface DecodingProgress {
  readonly possibleAgents: readonly string[];
  readonly text: string;
}

/**
 * The segment oracle ("oracle switching"): it knows which answer segment the next token belongs to
 * (from the task's segment structure and the env's text so far) and puts all weight on the model that
 * is best at that segment. An upper reference, not a learnable policy: it reads the task's answer structure.
 */
export class SegmentOraclePolicy implements Policy {
  readonly agents: readonly string[];

  /** Oracle for `env` (read at every step) on `task`, with `bestModelBySegment[k]` the agent index used in segment k. */
  constructor(
    private readonly env: DecodingProgress,
    private readonly task: Task,
    readonly bestModelBySegment: readonly number[],
  ) {
    this.agents = [...env.possibleAgents];
    if (bestModelBySegment.length === 0) throw new ConfigError('bestModelBySegment', 'is empty', 'Pass one model index per answer segment.');
  }

  /** One-hot weights on the best model of the segment the env's text is in (observations are ignored). */
  act(): ActResult {
    const seg = Math.min(this.task.segmentIndexAt(this.env.text), this.bestModelBySegment.length - 1);
    const best = this.bestModelBySegment[Math.max(0, seg)];
    const logProbs = Object.create(null) as Record<string, number>;
    for (const a of this.agents) logProbs[a] = 0;
    return {
      actions: weightsToActions(
        this.agents,
        this.agents.map((_, i) => (i === best ? 1 : 0)),
      ),
      logProbs,
    };
  }

  /** The segment table. */
  save(): PolicyState {
    return { kind: 'segment-oracle', bestModelBySegment: this.bestModelBySegment };
  }

  /** Restores a `save()` of the same kind. */
  load(state: PolicyState): void {
    if (state.kind !== 'segment-oracle')
      throw new ConfigError('policy.kind', `is "${state.kind}", expected "segment-oracle"`, 'Load a snapshot saved by SegmentOraclePolicy.');
    Object.assign(this, { bestModelBySegment: [...(state.bestModelBySegment as number[])] });
  }

  /** Nothing to free. */
  dispose(): void {}
}
