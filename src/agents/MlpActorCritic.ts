import * as tf from '@tensorflow/tfjs';
import { Rng } from '../core/Rng.js';
import { ConfigError } from '../core/errors.js';
import { describe } from '../core/spaces.js';
import { ActionHead, type HeadNode } from './ActionHead.js';
import { orthogonal } from './orthogonal.js';
import { decodeFloat32, encodeFloat32 } from './weightsCodec.js';
import type { ActOptions, ActResult, ActorCriticPolicy, PolicyState } from './Policy.js';

/** Agents that share one actor (and one critic); with more than one member, a member one-hot is appended to inputs. */
export interface ActorCriticGroupSpec {
  readonly members: readonly string[];
  /** Observation floats per member. */
  readonly obsDim: number;
  /** Critic input floats per member (the observation for PPO/IPPO, the global state for MAPPO). */
  readonly criticDim: number;
  readonly head: HeadNode;
}

/** Shape of an `MlpActorCritic`; JSON-safe, stored in snapshots and checkpoints. */
export interface MlpActorCriticSpec {
  readonly groups: readonly ActorCriticGroupSpec[];
  /** Hidden layer widths of actor and critic MLPs (tanh). */
  readonly hidden: readonly number[];
  /** Initial log standard deviation of Gaussian heads. */
  readonly initLogStd: number;
  /** Whether the critic reads the observation (`Policy.act` then also returns values) or the global state. */
  readonly criticInput: 'observation' | 'state';
  /** Seed of the weight initialisation. */
  readonly seed: number;
}

// Output width below which `matMul(a, d, transposeA)` beats transposing `a` first.
const NARROW = 16;

interface Dense {
  readonly w: number;
  readonly b: number;
  readonly inDim: number;
  readonly outDim: number;
}

interface GroupLayout {
  readonly spec: ActorCriticGroupSpec;
  readonly head: ActionHead;
  readonly actorIn: number;
  readonly criticIn: number;
  readonly actor: Dense[];
  readonly critic: Dense[];
  readonly logStd: number;
}

/** Per-group batch result of `actBatch`: raw actions (what log-probs refer to) and their log-probs. */
export interface GroupActBatch {
  readonly raw: Float32Array;
  readonly logProb: Float32Array;
}

/**
 * `rows` inputs `x` `[rows, layers[0].inDim]` through dense layers read from the flat weights `w`
 * (tanh between layers, linear output), in JS: for the small networks of a policy this costs less than
 * one tfjs dispatch. Products are summed in float64 and each layer's output rounded to float32, as tfjs does.
 */
function mlpForward(w: Float32Array, layers: readonly Dense[], x: Float32Array, rows: number): Float32Array {
  let h = x;
  layers.forEach((d, li) => {
    const { inDim, outDim } = d;
    const out = new Float32Array(rows * outDim);
    const acc = new Float64Array(outDim);
    const last = li === layers.length - 1;
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < outDim; o++) acc[o] = w[d.b + o];
      const xo = r * inDim;
      for (let i = 0; i < inDim; i++) {
        const xi = h[xo + i];
        if (xi === 0) continue;
        const wo = d.w + i * outDim;
        for (let o = 0; o < outDim; o++) acc[o] += xi * w[wo + o];
      }
      const oo = r * outDim;
      for (let o = 0; o < outDim; o++) out[oo + o] = last ? acc[o] : Math.tanh(acc[o]);
    }
    h = out;
  });
  return h;
}

/**
 * MLP actor-critic over one flat parameter vector (`theta`): fewer, larger ops in the update (one gradient,
 * one Adam step, one norm) instead of one per layer. Groups of agents share parameters; action heads
 * come from the action spaces (`ActionHead`).
 */
export class MlpActorCritic implements ActorCriticPolicy {
  readonly agents: readonly string[];
  readonly groups: readonly GroupLayout[];
  /** All weights, flat. */
  readonly theta: tf.Variable<tf.Rank.R1>;
  readonly numParams: number;
  private disposed = false;
  private backwardSaved: tf.Tensor[] = [];
  private readonly ones = new Map<number, tf.Tensor2D>();
  private fastWeights: { readonly id: object; readonly w: Float32Array } | null = null;

  /** Allocates and initialises (orthogonal, CleanRL gains) the weights described by `spec`. */
  constructor(readonly spec: MlpActorCriticSpec) {
    let p = 0;
    const dense = (inDim: number, outDim: number): Dense => {
      const d = { w: p, b: p + inDim * outDim, inDim, outDim };
      p += inDim * outDim + outDim;
      return d;
    };
    const mlp = (inDim: number, outDim: number): Dense[] => {
      const dims = [inDim, ...spec.hidden, outDim];
      return dims.slice(1).map((o, i) => dense(dims[i], o));
    };
    this.groups = spec.groups.map((g) => {
      const head = new ActionHead(g.head);
      const oneHot = g.members.length > 1 ? g.members.length : 0;
      const actorIn = g.obsDim + oneHot;
      const criticIn = g.criticDim + oneHot;
      const actor = mlp(actorIn, head.dim);
      const critic = mlp(criticIn, 1);
      const logStd = p;
      p += head.dim;
      return { spec: g, head, actorIn, criticIn, actor, critic, logStd };
    });
    this.agents = spec.groups.flatMap((g) => g.members);
    this.numParams = p;
    const init = new Float32Array(p);
    const rng = new Rng(`${spec.seed}/init`);
    for (const g of this.groups) {
      // [ppo] orthogonal init: hidden gain √2, policy output 0.01, value output 1
      const fill = (layers: Dense[], outGain: number) => layers.forEach((d, i) => init.set(orthogonal(d.inDim, d.outDim, i === layers.length - 1 ? outGain : Math.SQRT2, rng), d.w));
      fill(g.actor, 0.01);
      fill(g.critic, 1);
      init.fill(spec.initLogStd, g.logStd, g.logStd + g.head.dim);
    }
    this.theta = tf.tidy(() => tf.variable(tf.tensor1d(init), true, undefined, 'float32')) as tf.Variable<tf.Rank.R1>;
  }

  private mlp(layers: readonly Dense[], x: tf.Tensor2D): tf.Tensor2D {
    let h = x;
    layers.forEach((d, i) => {
      const w = tf.reshape(tf.slice(this.theta, [d.w], [d.inDim * d.outDim]), [d.inDim, d.outDim]) as tf.Tensor2D;
      const b = tf.slice(this.theta, [d.b], [d.outDim]);
      const z = tf.fused.matMul({ a: h, b: w, bias: b }) as tf.Tensor2D;
      h = i === layers.length - 1 ? z : tf.tanh(z);
    });
    return h;
  }

  /** Actor outputs `[B, head.dim]` of group `g` for inputs `[B, actorIn]`. */
  actorForward(g: number, x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.mlp(this.groups[g].actor, x));
  }

  /** Critic values `[B]` of group `g` for inputs `[B, criticIn]`. */
  criticForward(g: number, x: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => tf.reshape(this.mlp(this.groups[g].critic, x), [-1]) as tf.Tensor1D);
  }

  /** Log-std parameters of group `g`'s Gaussian outputs (unused entries for other families). */
  logStd(g: number): tf.Tensor1D {
    return tf.slice(this.theta, [this.groups[g].logStd], [this.groups[g].head.dim]);
  }

  /**
   * Actor outputs and critic values of group `g` in one custom-gradient op: the backward pass of both
   * MLPs is written out (matMul, bias sums, tanh') and returns one flat gradient for `theta`, instead of
   * the ~10× more small ops autodiff of per-layer slices would dispatch. The activations it keeps for
   * the backward pass live until `releaseBackward()`.
   */
  actorCritic(g: number, actorIn: tf.Tensor2D, criticIn: tf.Tensor2D): { out: tf.Tensor2D; value: tf.Tensor1D } {
    const grp = this.groups[g];
    const nets = [grp.actor, grp.critic];
    const start = grp.actor[0].w;
    const end = grp.logStd;
    const P = this.numParams;
    const layerSizes = nets.flatMap((layers) => layers.flatMap((d) => [d.inDim * d.outDim, d.outDim]));
    const f = tf.customGrad(((xa: tf.Tensor, xc: tf.Tensor, theta: tf.Tensor, save: tf.GradSaveFunc) => {
      const keep: tf.Tensor[] = [];
      // one SplitV for every weight of both networks instead of a slice per weight
      const sizes = [...(start > 0 ? [start] : []), ...layerSizes, ...(P > end ? [P - end] : [])];
      const pieces = tf.split(theta, sizes).slice(start > 0 ? 1 : 0);
      let next = 0;
      const outs = nets.map((layers, k) => {
        let h = (k === 0 ? xa : xc) as tf.Tensor2D;
        keep.push(h);
        layers.forEach((d, i) => {
          const w = tf.reshape(pieces[next++], [d.inDim, d.outDim]) as tf.Tensor2D;
          keep.push(w);
          const z = tf.fused.matMul({ a: h, b: w, bias: pieces[next++] }) as tf.Tensor2D;
          // tanh(z) = 2σ(2z) - 1: wasm's sigmoid is vectorised, its tanh ~4× slower
          h = i === layers.length - 1 ? z : (tf.sub(tf.mul(tf.sigmoid(tf.mul(z, 2)), 2), 1) as tf.Tensor2D);
          if (i < layers.length - 1) keep.push(h);
        });
        return h;
      });
      // Activations stay alive by reference until `releaseBackward`, instead of `save`, which copies each one.
      for (const t of keep) if (t !== xa && t !== xc) this.backwardSaved.push(tf.keep(t));
      void save;
      // customGrad ops have one output: actor outputs and value side by side, split below
      return {
        value: tf.concat(outs, 1),
        gradFunc: (dyAll: tf.Tensor) => {
          const saved = keep;
          const dy = tf.split(dyAll, [grp.head.dim, 1], 1);
          const pieces: tf.Tensor[] = [];
          let s = 0;
          nets.forEach((layers, k) => {
            const L = layers.length;
            const acts = saved.slice(s, s + 2 * L).filter((_, i) => i % 2 === 0); // inputs of each layer
            const ws = saved.slice(s, s + 2 * L).filter((_, i) => i % 2 === 1);
            s += 2 * L;
            const netPieces: tf.Tensor[] = [];
            let d = dy[k] as tf.Tensor2D;
            for (let i = L - 1; i >= 0; i--) {
              const a = acts[i] as tf.Tensor2D;
              // wasm's matMul with transpose flags is several times slower than an explicit transpose
              // of the operand except for very narrow outputs (measured in benchmarks/ppo-update.ts)
              const dW = d.shape[1] < NARROW ? tf.matMul(a, d, true, false) : tf.matMul(tf.transpose(a), d);
              // bias gradient as ones·d: a 1-row matMul is ~10× cheaper on wasm than a sum over axis 0
              netPieces.unshift(tf.reshape(dW, [-1]), tf.reshape(tf.matMul(this.onesRow(d.shape[0]), d), [-1]));
              if (i > 0) d = tf.mul(tf.matMul(d, tf.transpose(ws[i] as tf.Tensor2D)), tf.sub(1, tf.square(a))) as tf.Tensor2D;
            }
            pieces.push(...netPieces);
          });
          const parts = [...(start > 0 ? [tf.zeros([start])] : []), ...pieces, ...(P > end ? [tf.zeros([P - end])] : [])];
          return [tf.zerosLike(xa), tf.zerosLike(xc), tf.concat(parts)];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    const [out, value] = tf.split(f(actorIn, criticIn, this.theta), [grp.head.dim, 1], 1);
    return { out: out as tf.Tensor2D, value: tf.reshape(value, [-1]) as tf.Tensor1D };
  }

  /** A cached `[1, n]` row of ones (minibatch sizes repeat, so the cache stays small). */
  private onesRow(n: number): tf.Tensor2D {
    let t = this.ones.get(n);
    if (!t) {
      t = tf.keep(tf.ones([1, n])) as tf.Tensor2D;
      this.ones.set(n, t);
    }
    return t;
  }

  /** Frees the activations `actorCritic` kept for its backward pass; call after each gradient step. */
  releaseBackward(): void {
    tf.dispose(this.backwardSaved);
    this.backwardSaved = [];
  }

  /** Log-prob, entropy and value `[B]` of raw actions under group `g` — what the PPO loss differentiates. */
  evaluate(g: number, actorIn: tf.Tensor2D, criticIn: tf.Tensor2D, raw: tf.Tensor2D): { logProb: tf.Tensor1D; entropy: tf.Tensor1D; value: tf.Tensor1D } {
    return tf.tidy(() => {
      const { out, value } = this.actorCritic(g, actorIn, criticIn);
      const { logProb, entropy } = this.groups[g].head.logProbEntropy(out, this.logStd(g), raw);
      return { logProb, entropy, value };
    });
  }

  /**
   * Rows of member inputs with the member one-hot appended: `perMember[m]` holds `rows` inputs of `dim`
   * floats; the result is `[rows * members, dim + oneHot]`, row-major in (row, member) order.
   */
  static withMemberOneHot(perMember: readonly Float32Array[], rows: number, dim: number): Float32Array {
    const m = perMember.length;
    const oneHot = m > 1 ? m : 0;
    const width = dim + oneHot;
    const out = new Float32Array(rows * m * width);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < m; j++) {
        const o = (r * m + j) * width;
        out.set(perMember[j].subarray(r * dim, (r + 1) * dim), o);
        if (oneHot) out[o + dim + j] = 1;
      }
    }
    return out;
  }

  /**
   * The weights as a plain Float32Array, read from the tfjs variable once per change: acting reads them
   * instead of dispatching tfjs ops (a variable's `assign` gives it a new data id, so updates, `setWeights`
   * and `load` are all seen). Do not write into it.
   */
  weightsView(): Float32Array {
    const id = (this.theta as unknown as { dataId: object }).dataId;
    if (this.fastWeights === null || this.fastWeights.id !== id) this.fastWeights = { id, w: this.theta.dataSync() as Float32Array };
    return this.fastWeights.w;
  }

  /** Actor outputs `[rows, head.dim]` of group `g` computed in JS from `weightsView()` (the acting path; `actorForward` is the tfjs one). */
  actorOut(g: number, actorIn: Float32Array, rows: number): Float32Array {
    return mlpForward(this.weightsView(), this.groups[g].actor, actorIn, rows);
  }

  /** Samples raw actions (in JS, from `rng`) and their log-probs for `rows` actor inputs of group `g`: one JS forward for the whole batch. */
  actBatch(g: number, actorIn: Float32Array, rows: number, rng: Rng, deterministic = false): GroupActBatch {
    const grp = this.groups[g];
    const out = this.actorOut(g, actorIn, rows);
    const logStd = this.weightsView().subarray(grp.logStd, grp.logStd + grp.head.dim);
    const raw = grp.head.sample(out, logStd, rows, rng, deterministic);
    return { raw, logProb: grp.head.logProbs(out, logStd, raw, rows) };
  }

  /** Critic values for `rows` critic inputs of group `g` (one JS forward). */
  valueBatch(g: number, criticIn: Float32Array, rows: number): Float32Array {
    return mlpForward(this.weightsView(), this.groups[g].critic, criticIn, rows);
  }

  /** Distribution means `[rows, head.dim]` (Gaussian means, Dirichlet α/Σα, ...) of group `g` — what ONNX export reproduces. */
  meanBatch(g: number, actorIn: Float32Array, rows: number): Float32Array {
    const m = tf.tidy(() => this.groups[g].head.meanOf(this.actorForward(g, tf.tensor2d(actorIn, [rows, this.groups[g].actorIn]))));
    const data = m.dataSync() as Float32Array;
    m.dispose();
    return data;
  }

  /** One action per agent from single observations (values too when the critic reads observations). */
  act(observations: Record<string, Float32Array>, rng: Rng, opts: ActOptions = {}): ActResult {
    // null-prototype records: agent names such as `__proto__` or `toString` are plain keys
    const actions = Object.create(null) as Record<string, unknown>;
    const logProbs = Object.create(null) as Record<string, number>;
    const values = Object.create(null) as Record<string, number>;
    this.groups.forEach((grp, g) => {
      const obs = grp.spec.members.map((a) => {
        const o: unknown = observations[a];
        const numeric = o instanceof Float32Array || (Array.isArray(o) && o.every((v) => typeof v === 'number'));
        if (!numeric || (o as ArrayLike<number>).length !== grp.spec.obsDim) {
          throw new ConfigError(`observations.${a}`, `expected ${grp.spec.obsDim} numbers (a Float32Array), got ${describe(o)}`, 'Pass one flat observation per agent of the policy.');
        }
        const f = o instanceof Float32Array ? o : Float32Array.from(o as number[]);
        const bad = f.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) throw new ConfigError(`observations.${a}`, `entry ${bad} is ${f[bad]}`, 'Pass finite observations (the policy would otherwise emit NaN actions).');
        return f;
      });
      const x = MlpActorCritic.withMemberOneHot(obs, 1, grp.spec.obsDim);
      const { raw, logProb } = this.actBatch(g, x, grp.spec.members.length, rng, opts.deterministic ?? false);
      const v = this.spec.criticInput === 'observation' ? this.valueBatch(g, x, grp.spec.members.length) : undefined;
      grp.spec.members.forEach((a, j) => {
        actions[a] = grp.head.toEnvAction(raw, j);
        logProbs[a] = logProb[j];
        if (v) values[a] = v[j];
      });
    });
    return this.spec.criticInput === 'observation' ? { actions, logProbs, values } : { actions, logProbs };
  }

  /** Weights as a copy. */
  getWeights(): Float32Array {
    return this.theta.dataSync().slice() as Float32Array;
  }

  /** Overwrites all weights (length must be `numParams`). */
  setWeights(w: Float32Array): void {
    if (w.length !== this.numParams) throw new ConfigError('weights', `has ${w.length} floats, expected ${this.numParams}`, 'Use weights of a policy with the same spec.');
    tf.tidy(() => this.theta.assign(tf.tensor1d(w)));
  }

  /** JSON-safe snapshot: spec and weights (base64 float32). */
  save(): PolicyState {
    return { kind: 'mlp-actor-critic', spec: this.spec, weights: encodeFloat32(this.getWeights()) };
  }

  /** Restores weights saved from a policy with an identical spec. */
  load(state: PolicyState): void {
    if (state.kind !== 'mlp-actor-critic') throw new ConfigError('policy.kind', `is "${state.kind}", expected "mlp-actor-critic"`, 'Load a snapshot saved by MlpActorCritic.save().');
    if (JSON.stringify(state.spec) !== JSON.stringify(this.spec)) {
      throw new ConfigError('policy.spec', 'differs from this policy\'s spec (agents, dims, heads or hidden sizes)', 'Create the policy with MlpActorCritic.fromState(state) or with the same spec.');
    }
    this.setWeights(decodeFloat32(state.weights as string, this.numParams, 'policy.weights'));
  }

  /** A new policy built from a snapshot's spec, with its weights. */
  static fromState(state: PolicyState): MlpActorCritic {
    const p = new MlpActorCritic(state.spec as MlpActorCriticSpec);
    p.load(state);
    return p;
  }

  /** Frees the weight variable. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.releaseBackward();
    tf.dispose([...this.ones.values()]);
    this.ones.clear();
    this.theta.dispose();
  }
}
