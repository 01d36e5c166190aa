import { Rng, type RngState } from '../core/Rng.js';
import { ConfigError } from '../core/errors.js';
import type { ParallelEnv } from '../core/ParallelEnv.js';
import { ActionHead } from '../agents/ActionHead.js';
import { MlpActorCritic, type ActorCriticGroupSpec } from '../agents/MlpActorCritic.js';
import type { ActOptions, ActResult, Policy, PolicyState } from '../agents/Policy.js';
import { VectorEnv } from '../envs/VectorEnv.js';
import { Adam, type AdamState } from './Adam.js';
import { agentRecord } from './agentRecord.js';
import { ALGO_SPECS } from './algoSpecs.js';
import type { AgentView } from './AgentView.js';
import { MixingWeightsCallback } from './MixingWeightsCallback.js';
import type { PPOConfig } from './PPOConfig.js';
import { ppoUpdate, type UpdateStats } from './ppoUpdate.js';
import { RolloutBuffer, type PackedBatch } from './RolloutBuffer.js';
import type { RolloutCallback } from './RolloutCallback.js';
import { RolloutCollector, type EpisodeRecord } from './RolloutCollector.js';
import { ValueNorm, type ValueNormState } from './ValueNorm.js';

export type { EpisodeRecord } from './RolloutCollector.js';

/** Metrics of one iteration (rollout + update); timing fields are the only non-deterministic ones. */
export interface IterationMetrics extends UpdateStats {
  readonly iteration: number;
  readonly globalStep: number;
  readonly learningRate: number;
  /** Mean return (summed over steps, averaged over agents) of episodes that ended in this rollout; null if none. */
  readonly episodeReturn: number | null;
  readonly episodeLength: number | null;
  readonly episodes: number;
  /** Fraction of ended episodes whose final infos said `success`; null when no info carried it. */
  readonly successRate: number | null;
  readonly explainedVariance: number;
  /** Mean of each agent's float-vector actions over the rollout (logits, concentrations or simplex weights). */
  readonly meanAction: Record<string, number[]>;
  /** Mean of the mixing weights the env reported in `infos[agent].weights` (agent order), when it does; else null (`MixingWeightsCallback`). */
  readonly meanWeights: number[] | null;
  readonly rolloutSeconds: number;
  readonly updateSeconds: number;
}

/** JSON-safe state of an algorithm between iterations (what checkpoints store). */
export interface AlgorithmState {
  readonly config: PPOConfig;
  readonly iteration: number;
  readonly globalStep: number;
  readonly policy: PolicyState;
  readonly optimizer: AdamState;
  readonly valueNorms: ValueNormState[];
  readonly rngs: { readonly act: RngState; readonly minibatch: RngState };
  readonly episodes: EpisodeRecord[];
}

/** An env, several copies of one env, or a `VectorEnv` of copies in `'disabled'` autoreset mode. */
export type EnvCopies<E> = E | readonly E[];

/** Options of `OnPolicyAlgorithm` beyond the PPO config. */
export interface OnPolicyOptions {
  /** Rollout hooks whose metrics join each iteration's (default: `MixingWeightsCallback`, which gives `meanWeights`). */
  readonly callbacks?: readonly RolloutCallback[];
}

/**
 * PPO, IPPO and MAPPO in one implementation (`ALGO_SPECS`: they differ only in how env agents map to
 * learners and what the critic reads). One iteration = `RolloutCollector.collect` over a `VectorEnv`
 * (acting on the policy's JS path), GAE in `RolloutBuffer`, then `ppoUpdate` on tfjs.
 */
export class OnPolicyAlgorithm {
  readonly policy: MlpActorCritic;
  readonly view: AgentView;
  readonly numEnvs: number;
  /** The env's agents (`possibleAgents`). */
  readonly envAgents: readonly string[];
  /** The env copies as one vector env (built here from a list of copies; the caller still owns the copies). */
  readonly vec: VectorEnv<string>;
  iteration = 0;
  globalStep = 0;
  private readonly collector: RolloutCollector;
  private readonly optimizer: Adam;
  private readonly valueNorms: ValueNorm[];
  private readonly callbacks: readonly RolloutCallback[];
  private actRng: Rng;
  private mbRng: Rng;

  /** Builds policy, optimizer and buffers for `envs` under a resolved config. */
  constructor(
    envs: EnvCopies<ParallelEnv<unknown, unknown>> | VectorEnv<string>,
    readonly config: PPOConfig,
    options: OnPolicyOptions = {},
  ) {
    this.vec = toVectorEnv(envs);
    const spec = ALGO_SPECS[config.algo];
    const useState = spec.critic === 'state';
    if (useState && this.vec.stateSpace === null) {
      throw new ConfigError(
        'ppo.algo',
        `is '${config.algo}' but the env (${this.vec.metadata.name}) has no state()`,
        "Use an env with HasGlobalState, or algo 'ppo' / 'ippo'.",
      );
    }
    this.view = spec.view(this.vec);
    this.numEnvs = this.vec.numEnvs;
    this.envAgents = this.vec.possibleAgents;
    const stateDim = useState ? this.vec.stateSpace!.flatDim : 0;
    const learners = this.view.learners;
    const heads = learners.map((l) => ActionHead.fromSpace(this.view.actionSpace(l), config.simplexHead, `actionSpace(${l})`));
    let memberSets: string[][];
    if (config.shareParameters && learners.length > 1) {
      const same = learners.every(
        (l, i) => this.view.obsDim(l) === this.view.obsDim(learners[0]) && JSON.stringify(heads[i].tree) === JSON.stringify(heads[0].tree),
      );
      if (!same)
        throw new ConfigError(
          'ppo.shareParameters',
          'is true but agents have different observation or action spaces',
          'Set shareParameters: false for heterogeneous agents.',
        );
      memberSets = [[...learners]];
    } else {
      memberSets = learners.map((l) => [l]);
    }
    const groupSpecs: ActorCriticGroupSpec[] = memberSets.map((members) => {
      const obsDim = this.view.obsDim(members[0]);
      return { members, obsDim, criticDim: useState ? stateDim : obsDim, head: heads[learners.indexOf(members[0])].tree };
    });
    this.policy = new MlpActorCritic({ groups: groupSpecs, hidden: config.hidden, initLogStd: config.initLogStd, criticInput: spec.critic, seed: config.seed });
    this.optimizer = new Adam(this.policy.theta, config.adamEps);
    this.valueNorms = this.policy.groups.map(() => new ValueNorm());
    this.actRng = new Rng(`${config.seed}/act`);
    this.mbRng = new Rng(`${config.seed}/minibatch`);
    this.callbacks = options.callbacks ?? [new MixingWeightsCallback()];
    this.collector = new RolloutCollector(this.vec, this.view, this.policy, useState, config.seed, this.callbacks);
  }

  /** Iterations the trainer runs for `config.totalSteps`. */
  get numIterations(): number {
    return Math.max(1, Math.floor(this.config.totalSteps / (this.config.numSteps * this.numEnvs)));
  }

  /** Stored critic outputs of group `g` mapped to value scale (ValueNorm's inverse when on). */
  private readonly denormalize = (g: number, v: Float32Array): Float32Array => {
    if (!this.config.valueNorm) return v;
    const vn = this.valueNorms[g];
    return v.map((x) => vn.denormalize(x));
  };

  /** Collects one rollout and runs the PPO update: one iteration; returns its metrics. */
  async iterate(): Promise<IterationMetrics> {
    const cfg = this.config;
    const T = cfg.numSteps;
    const E = this.numEnvs;
    const groups = this.policy.groups;
    this.iteration += 1;
    const t0 = performance.now();
    const buf = new RolloutBuffer(
      groups.map((g) => ({ members: g.spec.members.length, actorIn: g.actorIn, criticIn: g.criticIn, actDim: g.head.dim })),
      T,
      E,
    );
    const stats = await this.collector.collect(buf, this.actRng, this.denormalize);
    const nextV = this.collector.values(this.denormalize);
    this.globalStep += T * E;
    const t1 = performance.now();

    // GAE per (env, member) stream on denormalised values; explained variance of the rollout's predictions
    const allRet: number[] = [];
    const allVal: number[] = [];
    groups.forEach((_, g) => {
      const vn = this.valueNorms[g];
      const denorm = (x: number) => (cfg.valueNorm ? vn.denormalize(x) : x);
      buf.computeReturns(g, nextV[g], denorm, cfg.gamma, cfg.gaeLambda);
      const b = buf.groups[g];
      b.returns.forEach((r, i) => {
        allRet.push(r);
        allVal.push(denorm(b.vpred[i]));
      });
      // [ppo] ValueNorm: statistics include this batch's returns before the critic regresses onto them
      if (cfg.valueNorm) vn.update(b.returns);
    });
    const explainedVariance = explainedVarianceOf(allVal, allRet);
    const packed = buf.pack((g, r) => (cfg.valueNorm ? this.valueNorms[g].normalize(buf.groups[g].returns[r]) : buf.groups[g].returns[r]));
    // [ppo] learning-rate annealing: linear decay to 0 over the run
    const lr = cfg.annealLr ? cfg.learningRate * Math.max(0, 1 - (this.iteration - 1) / this.numIterations) : cfg.learningRate;
    const update = this.updateFromBatch(packed.data, packed.rows, packed.width, packed.widths, lr);
    const t2 = performance.now();
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
    const extra = Object.assign({ meanWeights: null }, ...this.callbacks.map((cb) => cb.metrics?.() ?? {})) as { meanWeights: number[] | null };
    return {
      iteration: this.iteration,
      globalStep: this.globalStep,
      learningRate: lr,
      episodeReturn: mean(stats.episodeReturns),
      episodeLength: mean(stats.episodeLengths),
      episodes: stats.episodeReturns.length,
      successRate: stats.successKnown ? stats.successes / stats.successKnown : null,
      ...update,
      explainedVariance,
      meanAction: stats.meanAction,
      ...extra,
      rolloutSeconds: (t1 - t0) / 1000,
      updateSeconds: (t2 - t1) / 1000,
    };
  }

  /** The PPO update (`ppoUpdate`) over a packed batch `data` `[N, W]` with group column widths `widths`, at learning rate `lr`. */
  updateFromBatch(data: Float32Array, N: number, W: number, widths: readonly number[], lr: number): UpdateStats {
    const batch: PackedBatch = { data, rows: N, width: W, widths };
    return ppoUpdate({ policy: this.policy, optimizer: this.optimizer, config: this.config, minibatchRng: this.mbRng }, batch, lr);
  }

  /** JSON-safe state between iterations (for checkpoints). */
  saveState(): AlgorithmState {
    return {
      config: this.config,
      iteration: this.iteration,
      globalStep: this.globalStep,
      policy: this.policy.save(),
      optimizer: this.optimizer.state(),
      valueNorms: this.valueNorms.map((v) => v.state()),
      rngs: { act: this.actRng.state(), minibatch: this.mbRng.state() },
      episodes: this.collector.episodeRecords(),
    };
  }

  /**
   * Restores `saveState()` and replays each env copy's in-progress episode from its seed with the
   * recorded actions, so training continues exactly as if it had never stopped.
   */
  async loadState(s: AlgorithmState): Promise<void> {
    if (s.episodes.length !== this.numEnvs)
      throw new ConfigError(
        'checkpoint.episodes',
        `has ${s.episodes.length} env copies, this run has ${this.numEnvs}`,
        'Resume with the same number of env copies.',
      );
    this.policy.load(s.policy);
    this.optimizer.load(s.optimizer);
    s.valueNorms.forEach((v, i) => this.valueNorms[i].load(v));
    this.actRng = Rng.fromState(s.rngs.act);
    this.mbRng = Rng.fromState(s.rngs.minibatch);
    this.iteration = s.iteration;
    this.globalStep = s.globalStep;
    await this.collector.restore(s.episodes);
  }

  /**
   * The trained actor as a `Policy` over the env's own agents: observations and actions pass through the
   * algorithm's view (for PPO every agent reports the joint action's log-prob). Shares weights with
   * `policy` and acts on its JS path (no tfjs call per step).
   */
  envPolicy(): Policy {
    const { view, policy, envAgents } = this;
    return {
      agents: envAgents,
      act(observations: Record<string, Float32Array>, rng: Rng, opts?: ActOptions): ActResult {
        // the env policy returns no values, so the critic is not run
        const r = policy.act(view.observe(observations), rng, { ...opts, values: false });
        const actions = view.toEnvActions(r.actions);
        const logProbs = agentRecord<number>();
        for (const a of envAgents) logProbs[a] = Object.hasOwn(r.logProbs, a) ? r.logProbs[a] : r.logProbs[view.learners[0]];
        return { actions, logProbs };
      },
      save: () => policy.save(),
      load: (s: PolicyState) => policy.load(s),
      dispose: () => policy.dispose(),
    };
  }

  /** Frees policy and optimizer tensors (envs stay open: the caller owns them). */
  dispose(): void {
    this.policy.dispose();
    this.optimizer.dispose();
  }
}

/** `envs` as a vector env in 'disabled' autoreset mode (episodes are seeded and reset by the collector). */
function toVectorEnv(envs: EnvCopies<ParallelEnv<unknown, unknown>> | VectorEnv<string>): VectorEnv<string> {
  if (envs instanceof VectorEnv) {
    if (envs.autoreset !== 'disabled')
      throw new ConfigError(
        'envs',
        `is a VectorEnv with autoreset '${envs.autoreset}'`,
        "Create it with { autoreset: 'disabled' }: the algorithm resets and seeds every episode itself.",
      );
    return envs;
  }
  const list = (Array.isArray(envs) ? envs : [envs]) as ParallelEnv<unknown, unknown>[];
  if (list.length === 0) throw new ConfigError('envs', 'is empty', 'Pass an env or a non-empty list of env copies.');
  return new VectorEnv<string>(list, { autoreset: 'disabled' });
}

/** 1 - Var(returns - predictions) / Var(returns) (NaN when the returns are constant). */
function explainedVarianceOf(pred: readonly number[], y: readonly number[]): number {
  const n = y.length;
  if (n === 0) return NaN;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / n;
  const my = mean([...y]);
  const res = y.map((v, i) => v - pred[i]);
  const mr = mean(res);
  const varY = y.reduce((a, v) => a + (v - my) ** 2, 0) / n;
  const varRes = res.reduce((a, v) => a + (v - mr) ** 2, 0) / n;
  return varY === 0 ? NaN : 1 - varRes / varY;
}
