import * as tf from '@tensorflow/tfjs';
import { Rng, type RngState } from '../core/Rng.js';
import { ConfigError } from '../core/errors.js';
import { hasGlobalState, type HasGlobalState, type Info, type ParallelEnv } from '../core/ParallelEnv.js';
import { ActionHead } from '../agents/ActionHead.js';
import { MlpActorCritic, type ActorCriticGroupSpec } from '../agents/MlpActorCritic.js';
import type { ActOptions, ActResult, Policy, PolicyState } from '../agents/Policy.js';
import { Adam, type AdamState } from './Adam.js';
import { jointView, perAgentView, type AgentView } from './AgentView.js';
import { RolloutBuffer } from './RolloutBuffer.js';
import type { PPOConfig } from './PPOConfig.js';
import { ValueNorm, type ValueNormState } from './ValueNorm.js';

/** Metrics of one iteration (rollout + update); timing fields are the only non-deterministic ones. */
export interface IterationMetrics {
  readonly iteration: number;
  readonly globalStep: number;
  readonly learningRate: number;
  /** Mean return (summed over steps, averaged over agents) of episodes that ended in this rollout; null if none. */
  readonly episodeReturn: number | null;
  readonly episodeLength: number | null;
  readonly episodes: number;
  /** Fraction of ended episodes whose final infos said `success`; null when no info carried it. */
  readonly successRate: number | null;
  readonly entropy: number;
  readonly approxKl: number;
  readonly clipFraction: number;
  readonly policyLoss: number;
  readonly valueLoss: number;
  readonly explainedVariance: number;
  /** Mean of each agent's float-vector actions over the rollout (logits, concentrations or simplex weights). */
  readonly meanAction: Record<string, number[]>;
  /** Mean of the mixing weights the env reported in `infos[agent].weights` (agent order), when it does; else null. */
  readonly meanWeights: number[] | null;
  readonly epochsRun: number;
  readonly rolloutSeconds: number;
  readonly updateSeconds: number;
}

/** One env copy's in-progress episode: enough to replay it exactly from its seed after a resume. */
export interface EpisodeRecord {
  readonly index: number;
  readonly seed: number;
  /** Raw actions per step, per learner. */
  readonly actions: number[][][];
  readonly ret: number;
  readonly length: number;
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

/** An env, or several copies of one env (stepped in turn as a vector). */
export type EnvCopies<E> = E | readonly E[];

interface Group {
  readonly index: number;
  readonly members: readonly string[];
  readonly head: ActionHead;
  readonly obsDim: number;
  readonly criticDim: number;
  readonly aIn: number;
  readonly cIn: number;
}

interface EnvSlot {
  readonly env: ParallelEnv<unknown, unknown>;
  obs: Record<string, Float32Array>;
  episode: { index: number; seed: number; actions: number[][][]; ret: number; length: number };
}

/**
 * PPO, IPPO and MAPPO in one implementation: every piece is shared except how env agents map to
 * learners (`AgentView`: joint for PPO, per agent otherwise) and what the critic reads (the learner's
 * observation, or `env.state()` for MAPPO).
 */
export class OnPolicyAlgorithm {
  readonly policy: MlpActorCritic;
  readonly view: AgentView;
  readonly numEnvs: number;
  /** The env's agents (`possibleAgents`). */
  readonly envAgents: readonly string[];
  iteration = 0;
  globalStep = 0;
  private readonly slots: EnvSlot[];
  private readonly groups: Group[];
  private readonly optimizer: Adam;
  private readonly valueNorms: ValueNorm[];
  private actRng: Rng;
  private mbRng: Rng;
  private started = false;

  /** Builds policy, optimizer and buffers for `envs` under a resolved config. */
  constructor(envs: EnvCopies<ParallelEnv<unknown, unknown>>, readonly config: PPOConfig) {
    const list = (Array.isArray(envs) ? envs : [envs]) as ParallelEnv<unknown, unknown>[];
    if (list.length === 0) throw new ConfigError('envs', 'is empty', 'Pass an env or a non-empty list of env copies.');
    const useState = config.algo === 'mappo';
    if (useState) {
      list.forEach((e, i) => {
        if (!hasGlobalState(e)) throw new ConfigError('ppo.algo', `is 'mappo' but env copy ${i} (${e.metadata.name}) has no state()`, "Use an env with HasGlobalState, or algo 'ppo' / 'ippo'.");
      });
    }
    this.view = config.algo === 'ppo' ? jointView(list[0]) : perAgentView(list[0]);
    this.numEnvs = list.length;
    this.envAgents = list[0].possibleAgents;
    const stateDim = useState ? (list[0] as unknown as HasGlobalState).stateSpace.flatDim : 0;
    const learners = this.view.learners;
    const heads = learners.map((l) => ActionHead.fromSpace(this.view.actionSpace(l), config.simplexHead, `actionSpace(${l})`));
    let memberSets: string[][];
    if (config.shareParameters && learners.length > 1) {
      const same = learners.every((l, i) => this.view.obsDim(l) === this.view.obsDim(learners[0]) && JSON.stringify(heads[i].tree) === JSON.stringify(heads[0].tree));
      if (!same) throw new ConfigError('ppo.shareParameters', 'is true but agents have different observation or action spaces', 'Set shareParameters: false for heterogeneous agents.');
      memberSets = [[...learners]];
    } else {
      memberSets = learners.map((l) => [l]);
    }
    const groupSpecs: ActorCriticGroupSpec[] = memberSets.map((members) => {
      const l = members[0];
      const obsDim = this.view.obsDim(l);
      return { members, obsDim, criticDim: useState ? stateDim : obsDim, head: heads[learners.indexOf(l)].tree };
    });
    this.policy = new MlpActorCritic({ groups: groupSpecs, hidden: config.hidden, initLogStd: config.initLogStd, criticInput: useState ? 'state' : 'observation', seed: config.seed });
    this.groups = this.policy.groups.map((g, index) => ({ index, members: g.spec.members, head: g.head, obsDim: g.spec.obsDim, criticDim: g.spec.criticDim, aIn: g.actorIn, cIn: g.criticIn }));
    this.optimizer = new Adam(this.policy.theta, config.adamEps);
    this.valueNorms = this.groups.map(() => new ValueNorm());
    this.actRng = new Rng(`${config.seed}/act`);
    this.mbRng = new Rng(`${config.seed}/minibatch`);
    this.slots = list.map((env) => ({ env, obs: {}, episode: { index: 0, seed: 0, actions: [], ret: 0, length: 0 } }));
  }

  /** Iterations the trainer runs for `config.totalSteps`. */
  get numIterations(): number {
    return Math.max(1, Math.floor(this.config.totalSteps / (this.config.numSteps * this.numEnvs)));
  }

  private episodeSeed(envIndex: number, episode: number): number {
    return new Rng(`${this.config.seed}/env/${envIndex}/${episode}`).int(2 ** 31);
  }

  private async startEpisode(e: number, index: number): Promise<void> {
    const slot = this.slots[e];
    const seed = this.episodeSeed(e, index);
    const { observations } = await slot.env.reset({ seed });
    slot.obs = this.view.observe(observations as Record<string, unknown>);
    slot.episode = { index, seed, actions: [], ret: 0, length: 0 };
  }

  private state(e: number): Float32Array {
    return (this.slots[e].env as unknown as HasGlobalState).state();
  }

  private criticRows(grp: Group, obsRows: Float32Array, states: Float32Array[] | null, rows: number): Float32Array {
    if (!states) return obsRows;
    const all = new Float32Array(rows * grp.criticDim);
    states.forEach((s, i) => all.set(s, i * grp.criticDim));
    return MlpActorCritic.withMemberOneHot(grp.members.map(() => all), rows, grp.criticDim);
  }

  private actorRows(grp: Group, obs: Record<string, Float32Array>[]): Float32Array {
    const perMember = grp.members.map((a) => {
      const m = new Float32Array(obs.length * grp.obsDim);
      obs.forEach((o, i) => m.set(o[a], i * grp.obsDim));
      return m;
    });
    return MlpActorCritic.withMemberOneHot(perMember, obs.length, grp.obsDim);
  }

  /** Values (denormalised) of every learner for the given observations/states: `[group][env * members + member]`. */
  private values(obs: Record<string, Float32Array>[], states: Float32Array[] | null): Float32Array[] {
    return this.groups.map((grp) => {
      const rows = this.criticRows(grp, this.actorRows(grp, obs), states, obs.length);
      const v = this.policy.valueBatch(grp.index, rows, obs.length * grp.members.length);
      const vn = this.valueNorms[grp.index];
      return this.config.valueNorm ? v.map((x) => vn.denormalize(x)) : v;
    });
  }

  /** Collects one rollout and runs the PPO update: one iteration; returns its metrics. */
  async iterate(): Promise<IterationMetrics> {
    const cfg = this.config;
    const T = cfg.numSteps;
    const E = this.numEnvs;
    const useState = cfg.algo === 'mappo';
    if (!this.started) {
      for (let e = 0; e < E; e++) if (this.slots[e].obs[this.view.learners[0]] === undefined) await this.startEpisode(e, 0);
      this.started = true;
    }
    this.iteration += 1;
    const t0 = performance.now();
    const buf = new RolloutBuffer(this.groups.map((g) => ({ members: g.members.length, actorIn: g.aIn, criticIn: g.cIn, actDim: g.head.dim })), T, E);
    const episodeReturns: number[] = [];
    const episodeLengths: number[] = [];
    let successes = 0;
    let successCount = 0;
    const actionSums: Record<string, { sum: Float64Array; n: number }> = {};
    let weightSum: Float64Array | null = null;
    let weightCount = 0;
    for (let t = 0; t < T; t++) {
      const obs = this.slots.map((s) => s.obs);
      const states = useState ? this.slots.map((_, e) => this.state(e)) : null;
      const learnerActions: Record<string, unknown>[] = this.slots.map(() => ({}));
      const learnerRaw: number[][][] = this.slots.map(() => []);
      for (const grp of this.groups) {
        const m = grp.members.length;
        const rows = E * m;
        const aRows = this.actorRows(grp, obs);
        const cRows = this.criticRows(grp, aRows, states, E);
        const { raw, logProb } = this.policy.actBatch(grp.index, aRows, rows, this.actRng);
        const v = this.policy.valueBatch(grp.index, cRows, rows);
        buf.storeStep(grp.index, t, { actorIn: aRows, criticIn: cRows, raw, logp: logProb, vpred: v });
        for (let e = 0; e < E; e++) {
          for (let j = 0; j < m; j++) {
            const r = e * m + j;
            learnerActions[e][grp.members[j]] = grp.head.toEnvAction(raw, r);
            learnerRaw[e][this.view.learners.indexOf(grp.members[j])] = Array.from(raw.subarray(r * grp.head.dim, (r + 1) * grp.head.dim));
          }
        }
      }
      const ended: { e: number; terminated: boolean; finalObs: Record<string, Float32Array>; finalState: Float32Array | null }[] = [];
      for (let e = 0; e < E; e++) {
        const slot = this.slots[e];
        const envActions = this.view.toEnvActions(learnerActions[e]);
        for (const [a, act] of Object.entries(envActions)) {
          if (!(act instanceof Float32Array)) continue;
          const acc = (actionSums[a] ??= { sum: new Float64Array(act.length), n: 0 });
          act.forEach((x, i) => (acc.sum[i] += x));
          acc.n += 1;
        }
        const res = await slot.env.step(envActions);
        slot.episode.actions.push(learnerRaw[e]);
        const w = (Object.values(res.infos)[0] as Info | undefined)?.weights;
        if (Array.isArray(w) || w instanceof Float32Array || w instanceof Float64Array) {
          const ws = w as ArrayLike<number>;
          weightSum ??= new Float64Array(ws.length);
          if (ws.length === weightSum.length) {
            for (let i = 0; i < ws.length; i++) weightSum[i] += ws[i];
            weightCount += 1;
          }
        }
        const rewards = this.view.rewards(res.rewards as Record<string, number>);
        const agents = Object.keys(res.terminations);
        const terminated = agents.some((a) => res.terminations[a]);
        const truncated = !terminated && (agents.some((a) => res.truncations[a]) || slot.env.agents.length === 0);
        for (const grp of this.groups) {
          const m = grp.members.length;
          for (let j = 0; j < m; j++) buf.storeOutcome(grp.index, t, e, j, rewards[grp.members[j]] ?? 0, terminated, truncated);
        }
        const teamReward = this.view.learners.reduce((s, l) => s + (rewards[l] ?? 0), 0) / this.view.learners.length;
        slot.episode.ret += teamReward;
        slot.episode.length += 1;
        const nextObs = this.view.observe(res.observations as Record<string, unknown>);
        if (terminated || truncated) {
          episodeReturns.push(slot.episode.ret);
          episodeLengths.push(slot.episode.length);
          const s = successOf(res.infos as Record<string, Info>);
          if (s !== null) {
            successCount += 1;
            successes += s ? 1 : 0;
          }
          ended.push({ e, terminated, finalObs: nextObs, finalState: useState && truncated ? this.state(e) : null });
          await this.startEpisode(e, slot.episode.index + 1);
        } else {
          slot.obs = nextObs;
        }
      }
      for (const x of ended.filter((x) => !x.terminated)) {
        // [ppo] truncation bootstrap: V(final observation) stands in for the cut-off future
        const v = this.values([x.finalObs], x.finalState ? [x.finalState] : null);
        for (const grp of this.groups) {
          const m = grp.members.length;
          for (let j = 0; j < m; j++) buf.storeFinalValue(grp.index, t, x.e, j, v[grp.index][j]);
        }
      }
    }
    const nextV = this.values(this.slots.map((s) => s.obs), useState ? this.slots.map((_, e) => this.state(e)) : null);
    this.globalStep += T * E;
    const t1 = performance.now();

    // GAE per (env, member) stream on denormalised values; explained variance of the rollout's predictions
    const allRet: number[] = [];
    const allVal: number[] = [];
    for (const grp of this.groups) {
      const vn = this.valueNorms[grp.index];
      const denorm = (x: number) => (cfg.valueNorm ? vn.denormalize(x) : x);
      buf.computeReturns(grp.index, nextV[grp.index], denorm, cfg.gamma, cfg.gaeLambda);
      const b = buf.groups[grp.index];
      b.returns.forEach((r, i) => {
        allRet.push(r);
        allVal.push(denorm(b.vpred[i]));
      });
      // [ppo] ValueNorm: statistics include this batch's returns before the critic regresses onto them
      if (cfg.valueNorm) vn.update(b.returns);
    }
    const explainedVariance = explainedVarianceOf(allVal, allRet);
    const packed = buf.pack((g, r) => (cfg.valueNorm ? this.valueNorms[g].normalize(buf.groups[g].returns[r]) : buf.groups[g].returns[r]));
    const { data, rows: N, width: W, widths } = packed;
    const lr = cfg.annealLr ? cfg.learningRate * Math.max(0, 1 - (this.iteration - 1) / this.numIterations) : cfg.learningRate;
    const stats = this.update(data, N, W, widths, lr);
    const t2 = performance.now();
    const meanAction: Record<string, number[]> = {};
    for (const [a, acc] of Object.entries(actionSums)) meanAction[a] = Array.from(acc.sum, (x) => x / acc.n);
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
    return {
      iteration: this.iteration, globalStep: this.globalStep, learningRate: lr,
      episodeReturn: mean(episodeReturns), episodeLength: mean(episodeLengths), episodes: episodeReturns.length,
      successRate: successCount ? successes / successCount : null,
      ...stats, explainedVariance, meanAction,
      meanWeights: weightSum && weightCount ? Array.from(weightSum as Float64Array, (x) => x / weightCount) : null,
      rolloutSeconds: (t1 - t0) / 1000, updateSeconds: (t2 - t1) / 1000,
    };
  }

  /**
   * The PPO update over a packed batch `data` `[N, W]`: minibatch epochs with one gather per epoch, the
   * clipped surrogate, value clipping, entropy bonus, global-norm gradient clipping and KL early stop.
   */
  updateFromBatch(data: Float32Array, N: number, W: number, widths: readonly number[], lr: number): Omit<IterationMetrics, 'iteration' | 'globalStep' | 'learningRate' | 'episodeReturn' | 'episodeLength' | 'episodes' | 'successRate' | 'explainedVariance' | 'meanAction' | 'meanWeights' | 'rolloutSeconds' | 'updateSeconds'> {
    return this.update(data, N, W, widths, lr);
  }

  private update(data: Float32Array, N: number, W: number, widths: readonly number[], lr: number) {
    const cfg = this.config;
    const mbSize = Math.floor(N / cfg.numMinibatches);
    if (mbSize < 1) throw new ConfigError('ppo.numMinibatches', `(${cfg.numMinibatches}) exceeds the batch of ${N} samples`, 'Use fewer minibatches or more steps / env copies.');
    const totalMembers = this.groups.reduce((s, g) => s + g.members.length, 0);
    let epochsRun = 0;
    let last = new Float64Array(5);
    const sums = new Float64Array(5);
    let count = 0;
    for (let epoch = 0; epoch < cfg.updateEpochs; epoch++) {
      const perm = this.mbRng.permutation(N);
      // [ppo] minibatch epochs: rows shuffled once per epoch (a JS copy: wasm's gather is ~30× slower), then contiguous slices
      const rowsShuffled = new Float32Array(N * W);
      for (let i = 0; i < N; i++) rowsShuffled.set(data.subarray(perm[i] * W, (perm[i] + 1) * W), i * W);
      const shuffled = tf.tensor2d(rowsShuffled, [N, W]);
      for (let k = 0; k < cfg.numMinibatches; k++) {
        const st = new Float64Array(5);
        tf.tidy(() => {
          // data columns are sliced outside the gradient tape: taped ops clone their inputs
          const mb = tf.slice(shuffled, [k * mbSize, 0], [mbSize, W]);
          let col = 0;
          const inputs = this.groups.map((grp) => {
            const m = grp.members.length;
            const C = grp.aIn + grp.cIn + grp.head.dim + 4;
            const rows = tf.reshape(tf.slice(mb, [0, col], [mbSize, widths[grp.index]]), [mbSize * m, C]) as tf.Tensor2D;
            col += widths[grp.index];
            const [actorIn, criticIn, raw, tail] = tf.split(rows, [grp.aIn, grp.cIn, grp.head.dim, 4], 1) as tf.Tensor2D[];
            return { grp, actorIn, criticIn, raw, tail: tail.dataSync() as Float32Array };
          });
          const { grads } = tf.variableGrads(() => {
            let loss: tf.Scalar | null = null;
            for (const x of inputs) {
              const { logProb, entropy, value } = this.policy.evaluate(x.grp.index, x.actorIn, x.criticIn, x.raw);
              const w = x.grp.members.length / totalMembers;
              const l = ppoLoss(cfg, logProb, entropy, value, x.tail, w);
              loss = loss ? (tf.add(loss, l.loss) as tf.Scalar) : l.loss;
              l.stats.forEach((v, i) => (st[i] += w * v));
            }
            return loss!;
          }, [this.policy.theta]);
          this.optimizer.apply(grads[this.policy.theta.name].dataSync() as Float32Array, lr, cfg.maxGradNorm);
        });
        this.policy.releaseBackward();
        for (let i = 0; i < 5; i++) sums[i] += st[i];
        count += 1;
        last = st;
      }
      shuffled.dispose();
      epochsRun += 1;
      // [ppo] early stop on target KL (approx KL of the epoch's last minibatch, as CleanRL)
      if (cfg.targetKl !== null && last[3] > cfg.targetKl) break;
    }
    return {
      policyLoss: sums[0] / count, valueLoss: sums[1] / count, entropy: sums[2] / count,
      approxKl: last[3], clipFraction: sums[4] / count, epochsRun,
    };
  }

  /** JSON-safe state between iterations (for checkpoints). */
  saveState(): AlgorithmState {
    return {
      config: this.config, iteration: this.iteration, globalStep: this.globalStep,
      policy: this.policy.save(), optimizer: this.optimizer.state(),
      valueNorms: this.valueNorms.map((v) => v.state()),
      rngs: { act: this.actRng.state(), minibatch: this.mbRng.state() },
      episodes: this.slots.map((s) => ({ ...s.episode, actions: s.episode.actions })),
    };
  }

  /**
   * Restores `saveState()` and replays each env copy's in-progress episode from its seed with the
   * recorded actions, so training continues exactly as if it had never stopped.
   */
  async loadState(s: AlgorithmState): Promise<void> {
    if (s.episodes.length !== this.numEnvs) throw new ConfigError('checkpoint.episodes', `has ${s.episodes.length} env copies, this run has ${this.numEnvs}`, 'Resume with the same number of env copies.');
    this.policy.load(s.policy);
    this.optimizer.load(s.optimizer);
    s.valueNorms.forEach((v, i) => this.valueNorms[i].load(v));
    this.actRng = Rng.fromState(s.rngs.act);
    this.mbRng = Rng.fromState(s.rngs.minibatch);
    this.iteration = s.iteration;
    this.globalStep = s.globalStep;
    for (let e = 0; e < this.numEnvs; e++) {
      const rec = s.episodes[e];
      await this.startEpisode(e, rec.index);
      const slot = this.slots[e];
      for (const stepActions of rec.actions) {
        const learnerActions: Record<string, unknown> = {};
        for (const grp of this.groups) {
          for (const a of grp.members) learnerActions[a] = grp.head.toEnvAction(Float32Array.from(stepActions[this.view.learners.indexOf(a)]), 0);
        }
        const res = await slot.env.step(this.view.toEnvActions(learnerActions));
        slot.obs = this.view.observe(res.observations as Record<string, unknown>);
      }
      slot.episode = { index: rec.index, seed: rec.seed, actions: rec.actions.map((x) => x), ret: rec.ret, length: rec.length };
    }
    this.started = true;
  }

  /**
   * The trained actor as a `Policy` over the env's own agents: observations and actions pass through the
   * algorithm's view (for PPO every agent reports the joint action's log-prob). Shares weights with `policy`.
   */
  envPolicy(): Policy {
    const { view, policy, envAgents } = this;
    return {
      agents: envAgents,
      act(observations: Record<string, Float32Array>, rng: Rng, opts?: ActOptions): ActResult {
        const r = policy.act(view.observe(observations), rng, opts);
        const actions = view.toEnvActions(r.actions);
        const lp = (a: string) => r.logProbs[a] ?? r.logProbs[view.learners[0]];
        return { actions, logProbs: Object.fromEntries(envAgents.map((a) => [a, lp(a)])) };
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

/**
 * The PPO loss of one group's minibatch (scaled by `weight`) and its stats `[policyLoss, valueLoss,
 * entropy, approxKl, clipFraction]`; `tail` holds the rows' `[oldLogp, advantage, target, oldValue]`.
 * One custom-gradient op computed in JS: the loss is elementwise in (log-prob, entropy, value), so its
 * gradients have a closed form (the max/clip branches become masks), and on the CPU backends reading
 * three short vectors back costs less than dispatching the ~45 small tensor ops of the textbook form.
 */
export function ppoLoss(cfg: PPOConfig, logProb: tf.Tensor1D, entropy: tf.Tensor1D, value: tf.Tensor1D, tail: Float32Array, weight = 1): { loss: tf.Scalar; stats: Float64Array } {
  const n = logProb.shape[0];
  const eps = cfg.clipCoef;
  const stats = new Float64Array(5);
  const gLp = new Float32Array(n);
  const gV = new Float32Array(n);
  const f = tf.customGrad(((lpT: tf.Tensor, entT: tf.Tensor, vT: tf.Tensor) => {
    const lp = lpT.dataSync(), ent = entT.dataSync(), v = vT.dataSync();
    let advMean = 0, advVar = 0;
    for (let i = 0; i < n; i++) advMean += tail[4 * i + 1] / n;
    for (let i = 0; i < n; i++) advVar += (tail[4 * i + 1] - advMean) ** 2 / n;
    // [ppo] advantage normalisation (per minibatch)
    const [shift, scale] = cfg.normAdvantages ? [advMean, 1 / (Math.sqrt(advVar) + 1e-8)] : [0, 1];
    let pg = 0, vLoss = 0, entSum = 0, kl = 0, clipped = 0;
    for (let i = 0; i < n; i++) {
      const [oldLp, advRaw, ret, oldV] = [tail[4 * i], tail[4 * i + 1], tail[4 * i + 2], tail[4 * i + 3]];
      const adv = (advRaw - shift) * scale;
      const logRatio = lp[i] - oldLp;
      const ratio = Math.exp(logRatio);
      // [ppo] clipped surrogate: max(-A·r, -A·clip(r, 1-ε, 1+ε)); its gradient flows only through the unclipped branch
      const un = -adv * ratio;
      const cl = -adv * Math.min(Math.max(ratio, 1 - eps), 1 + eps);
      pg += Math.max(un, cl);
      gLp[i] = un >= cl ? un / n : 0;
      const err = v[i] - ret;
      if (cfg.clipValueLoss) {
        // [ppo] value clipping around the rollout's prediction
        const dv = v[i] - oldV;
        const errC = oldV + Math.min(Math.max(dv, -eps), eps) - ret;
        vLoss += Math.max(err * err, errC * errC);
        gV[i] = ((err * err >= errC * errC ? err : Math.abs(dv) <= eps ? errC : 0) * cfg.vfCoef) / n;
      } else {
        vLoss += err * err;
        gV[i] = (err * cfg.vfCoef) / n;
      }
      entSum += ent[i];
      kl += ratio - 1 - logRatio;
      if (Math.abs(ratio - 1) > eps) clipped += 1;
    }
    stats.set([pg / n, (0.5 * vLoss) / n, entSum / n, kl / n, clipped / n]);
    // [ppo] entropy bonus
    const loss = stats[0] - cfg.entCoef * stats[2] + cfg.vfCoef * stats[1];
    return {
      value: tf.scalar(weight * loss),
      gradFunc: (dy: tf.Tensor) => {
        const d = weight * dy.dataSync()[0];
        return [tf.tensor1d(gLp.map((g) => g * d)), tf.tensor1d(new Float32Array(n).fill((-cfg.entCoef / n) * d)), tf.tensor1d(gV.map((g) => g * d))];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return { loss: f(logProb, entropy, value) as tf.Scalar, stats };
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

function successOf(infos: Record<string, Info>): boolean | null {
  for (const info of Object.values(infos ?? {})) {
    const s = info?.success;
    if (typeof s === 'boolean') return s;
    if (typeof s === 'number') return s > 0;
  }
  return null;
}
