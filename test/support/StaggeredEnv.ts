import { EnvStateError, InvalidActionError } from '../../src/core/errors.js';
import type { AgentRecord, EnvMetadata, Info, ParallelEnv, ResetOptions, ResetResult, StepResult } from '../../src/core/ParallelEnv.js';
import { Box } from '../../src/core/spaces.js';

/**
 * Deterministic test env whose agents leave at different times: agent i terminates after i + 1 steps.
 * Observation: `[steps so far]`; action: `Box(0, 1, [1])`; reward of agent i: `i + action[0]`.
 */
export class StaggeredEnv implements ParallelEnv<Float32Array, Float32Array, string> {
  readonly possibleAgents: readonly string[];
  readonly metadata: EnvMetadata = { name: 'Staggered-v0', renderModes: [], autoreset: 'none' };
  private readonly obsSpace: Box;
  private readonly actSpace = new Box(0, 1, [1]);
  private live: readonly string[] = [];
  private t = -1;

  constructor(readonly n = 3) {
    this.possibleAgents = Array.from({ length: n }, (_, i) => `a${i}`);
    this.obsSpace = new Box(0, n, [1]);
  }

  get agents(): readonly string[] {
    return this.live;
  }

  observationSpace(): Box {
    return this.obsSpace;
  }

  actionSpace(): Box {
    return this.actSpace;
  }

  async reset(_opts?: ResetOptions): Promise<ResetResult<Float32Array, string>> {
    this.t = 0;
    this.live = [...this.possibleAgents];
    return { observations: Object.fromEntries(this.live.map((a) => [a, Float32Array.of(0)])), infos: Object.fromEntries(this.live.map((a) => [a, {}])) };
  }

  async step(actions: AgentRecord<string, Float32Array>): Promise<StepResult<Float32Array, string>> {
    if (this.t < 0) throw new EnvStateError('step() before reset()');
    if (this.live.length === 0) throw new EnvStateError('step() after the episode ended');
    for (const a of Object.keys(actions)) if (!this.live.includes(a)) throw new InvalidActionError(a, actions[a], 'none', 'not live');
    for (const a of this.live) {
      const why = this.actSpace.explain(actions[a]);
      if (why) throw new InvalidActionError(a, actions[a], String(this.actSpace), why);
    }
    this.t += 1;
    const acting = this.live;
    const rec = <X>(f: (a: string, i: number) => X): Record<string, X> => Object.fromEntries(acting.map((a) => [a, f(a, this.possibleAgents.indexOf(a))]));
    const terminations = rec((_a, i) => this.t >= i + 1);
    this.live = acting.filter((a) => !terminations[a]);
    return {
      observations: rec(() => Float32Array.of(this.t)),
      rewards: rec((a, i) => i + actions[a][0]),
      terminations,
      truncations: rec(() => false),
      infos: rec((): Info => ({})),
    };
  }

  async close(): Promise<void> {}
}
