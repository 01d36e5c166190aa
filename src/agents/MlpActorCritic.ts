import * as tf from '@tensorflow/tfjs';
import { Rng } from '../core/Rng.js';
import { ConfigError } from '../core/errors.js';
import { describe } from '../core/spaces.js';
import { ActionHead, type HeadNode } from './ActionHead.js';
import * as k from './kernels.js';
import { orthogonal } from './orthogonal.js';
import { decodeFloat32, encodeFloat32 } from './weightsCodec.js';
import { hostValues } from './hostValues.js';
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
  for (let li = 0; li < layers.length; li++) {
    const d = layers[li];
    const { inDim, outDim } = d;
    const out = new Float32Array(rows * outDim);
    const nz = new Int32Array(inDim);
    const last = li === layers.length - 1;
    for (let r = 0; r < rows; r++) {
      const xo = r * inDim;
      // the row's nonzero inputs, in order: each output sums bias + x_i·w_io over them in increasing i
      let n = 0;
      for (let i = 0; i < inDim; i++) if (h[xo + i] !== 0) nz[n++] = i;
      const oo = r * outDim;
      let o = 0;
      // eight outputs at a time, each with its own float64 accumulator (the order of each sum is unchanged)
      for (; o + 8 <= outDim; o += 8) {
        const bo = d.b + o;
        let s0 = w[bo],
          s1 = w[bo + 1],
          s2 = w[bo + 2],
          s3 = w[bo + 3],
          s4 = w[bo + 4],
          s5 = w[bo + 5],
          s6 = w[bo + 6],
          s7 = w[bo + 7];
        for (let q = 0; q < n; q++) {
          const i = nz[q];
          const xi = h[xo + i];
          const wo = d.w + i * outDim + o;
          s0 += xi * w[wo];
          s1 += xi * w[wo + 1];
          s2 += xi * w[wo + 2];
          s3 += xi * w[wo + 3];
          s4 += xi * w[wo + 4];
          s5 += xi * w[wo + 5];
          s6 += xi * w[wo + 6];
          s7 += xi * w[wo + 7];
        }
        out[oo + o] = last ? s0 : Math.tanh(s0);
        out[oo + o + 1] = last ? s1 : Math.tanh(s1);
        out[oo + o + 2] = last ? s2 : Math.tanh(s2);
        out[oo + o + 3] = last ? s3 : Math.tanh(s3);
        out[oo + o + 4] = last ? s4 : Math.tanh(s4);
        out[oo + o + 5] = last ? s5 : Math.tanh(s5);
        out[oo + o + 6] = last ? s6 : Math.tanh(s6);
        out[oo + o + 7] = last ? s7 : Math.tanh(s7);
      }
      for (; o < outDim; o++) {
        let s0 = w[d.b + o];
        for (let q = 0; q < n; q++) {
          const i = nz[q];
          s0 += h[xo + i] * w[d.w + i * outDim + o];
        }
        out[oo + o] = last ? s0 : Math.tanh(s0);
      }
    }
    h = out;
  }
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
  private readonly ones = new Map<number, tf.Tensor3D>();
  private consts: { readonly one: tf.Scalar; readonly two: tf.Scalar } | null = null;

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
      const fill = (layers: Dense[], outGain: number) =>
        layers.forEach((d, i) => init.set(orthogonal(d.inDim, d.outDim, i === layers.length - 1 ? outGain : Math.SQRT2, rng), d.w));
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
   * Actor outputs and critic values of group `g` in one custom-gradient op of `theta` alone (the inputs
   * are constants of the update): the backward pass of both MLPs is written out and returns one flat
   * gradient for `theta`, instead of the ~10× more small ops autodiff of per-layer slices would dispatch.
   * Both passes call kernels directly (`kernels.ts`) on 3-D operands. The activations it keeps for the
   * backward pass live until `releaseBackward()`.
   */
  actorCritic(g: number, actorIn: tf.Tensor2D, criticIn: tf.Tensor2D): { out: tf.Tensor2D; value: tf.Tensor1D } {
    const grp = this.groups[g];
    const start = grp.actor[0].w;
    const end = grp.logStd;
    const P = this.numParams;
    const B = actorIn.shape[0];
    const f = tf.customGrad(((theta: tf.Tensor, save: tf.GradSaveFunc) => {
      const { keep, out } = this.forwardPass(grp, actorIn, criticIn);
      void theta;
      // Activations stay alive by reference until `releaseBackward`, instead of `save`, which copies each one.
      for (const t of keep) this.backwardSaved.push(tf.keep(t));
      void save;
      // customGrad ops have one output: actor outputs and value side by side, split below
      return {
        value: k.reshape(out, [B, grp.head.dim + 1]),
        gradFunc: (dyAll: tf.Tensor) => {
          const parts = this.backwardPass(grp, keep, k.reshape(dyAll, [1, B, grp.head.dim + 1]));
          const all = [...(start > 0 ? [tf.zeros([start])] : []), ...parts, ...(P > end ? [tf.zeros([P - end])] : [])];
          return [k.concat(all, 0)];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    const [out, value] = tf.split((f as unknown as (theta: tf.Tensor) => tf.Tensor)(this.theta), [grp.head.dim, 1], 1);
    return { out: out as tf.Tensor2D, value: tf.reshape(value, [-1]) as tf.Tensor1D };
  }

  /**
   * The update's pass of group `g` without a gradient tape: actor outputs `[B, head.dim]`, values `[B]`
   * and the group's log-stds read back once, and `backward(dOut, dValue, grad)`, which runs the MLPs'
   * backward pass on tfjs and writes their weight gradients into the flat `grad` (`numParams` floats)
   * at the group's offsets. Call `backward` at most once; it frees the pass's tensors (`dispose` does if not).
   */
  updatePass(
    g: number,
    actorIn: tf.Tensor2D,
    criticIn: tf.Tensor2D,
  ): {
    out: Float32Array;
    value: Float32Array;
    logStd: Float32Array;
    backward(dOut: Float32Array, dValue: Float32Array, grad: Float32Array): void;
    dispose(): void;
  } {
    const grp = this.groups[g];
    const B = actorIn.shape[0];
    const D = grp.head.dim;
    const kept = tf.tidy(() => {
      const r = this.forwardPass(grp, actorIn, criticIn);
      return [...r.keep, r.out];
    });
    const keep = kept.slice(0, -1);
    const out = kept[kept.length - 1];
    const both = out.dataSync() as Float32Array;
    const outs = new Float32Array(B * D);
    const value = new Float32Array(B);
    for (let r = 0; r < B; r++) {
      outs.set(both.subarray(r * (D + 1), r * (D + 1) + D), r * D);
      value[r] = both[r * (D + 1) + D];
    }
    const ls = this.weightsView().subarray(grp.logStd, grp.logStd + D);
    const owned = [...keep, out];
    let live = true;
    const dispose = () => {
      if (live) tf.dispose(owned);
      live = false;
    };
    return {
      out: outs,
      value,
      logStd: ls,
      dispose,
      backward: (dOut, dValue, grad) => {
        const dy = new Float32Array(B * (D + 1));
        for (let r = 0; r < B; r++) {
          dy.set(dOut.subarray(r * D, (r + 1) * D), r * (D + 1));
          dy[r * (D + 1) + D] = dValue[r];
        }
        const flat = tf.tidy(() => k.concat(this.backwardPass(grp, keep, tf.tensor3d(dy, [1, B, D + 1])), 0));
        grad.set(flat.dataSync(), grp.actor[0].w);
        flat.dispose();
        dispose();
      },
    };
  }

  /**
   * Forward pass of group `grp`'s actor and critic from the current weights by direct kernels:
   * `out` `[1, B, head.dim + 1]` (actor outputs, then the value) and the
   * layer inputs and weights the backward pass reads (`keep`, in layer order per network).
   */
  private forwardPass(grp: GroupLayout, actorIn: tf.Tensor2D, criticIn: tf.Tensor2D): { keep: tf.Tensor[]; out: tf.Tensor } {
    const nets = [grp.actor, grp.critic];
    const B = actorIn.shape[0];
    const { one, two } = this.scalars();
    // Weights are uploaded per layer from the JS copy: wasm's slice and split read their whole input
    // back first, so splitting theta would copy all weights once per piece.
    const wv = this.weightsView();
    const keep: tf.Tensor[] = [];
    const outs = nets.map((layers, n) => {
      const x = n === 0 ? actorIn : criticIn;
      let h = k.reshape(x, [1, B, x.shape[1]]);
      keep.push(h);
      layers.forEach((d, i) => {
        const w = tf.tensor3d(wv.subarray(d.w, d.w + d.inDim * d.outDim), [1, d.inDim, d.outDim]);
        keep.push(w);
        const z = k.fusedMatMul(h, w, tf.tensor1d(wv.subarray(d.b, d.b + d.outDim)));
        // tanh(z) = 2σ(2z) - 1: wasm's sigmoid is vectorised, its tanh ~4× slower
        h = i === layers.length - 1 ? z : k.sub(k.mul(k.sigmoid(k.mul(z, two)), two), one);
        if (i < layers.length - 1) keep.push(h);
      });
      return h;
    });
    return { keep, out: k.concat(outs, 2) };
  }

  /** Backward pass of `forwardPass` for output gradients `dyAll` `[1, B, head.dim + 1]`: flat weight gradients in theta's order. */
  private backwardPass(grp: GroupLayout, keep: readonly tf.Tensor[], dyAll: tf.Tensor): tf.Tensor[] {
    const nets = [grp.actor, grp.critic];
    const B = dyAll.shape[1]!;
    const { one } = this.scalars();
    const dy = k.splitV(dyAll, [grp.head.dim, 1], 2);
    const parts: tf.Tensor[] = [];
    let s = 0;
    nets.forEach((layers, n) => {
      const L = layers.length;
      const acts = keep.slice(s, s + 2 * L).filter((_, i) => i % 2 === 0); // inputs of each layer
      const ws = keep.slice(s, s + 2 * L).filter((_, i) => i % 2 === 1);
      s += 2 * L;
      const netPieces: tf.Tensor[] = [];
      let d = dy[n];
      for (let i = L - 1; i >= 0; i--) {
        const a = acts[i];
        // wasm's matMul with transpose flags is several times slower than an explicit transpose
        // of the operand except for very narrow outputs (measured in benchmarks/ppo-update.ts)
        const dW = d.shape[2]! < NARROW ? k.batchMatMul(a, d, true, false) : k.batchMatMul(k.transpose(a, [0, 2, 1]), d);
        // bias gradient as ones·d: a 1-row matMul is ~10× cheaper on wasm than a sum over axis 0
        netPieces.unshift(k.reshape(dW, [-1]), k.reshape(k.batchMatMul(this.onesRow(B), d), [-1]));
        if (i > 0) d = k.mul(k.batchMatMul(d, k.transpose(ws[i], [0, 2, 1])), k.sub(one, k.square(a)));
      }
      parts.push(...netPieces);
    });
    return parts;
  }

  /** Cached scalar constants 1 and 2 of the hand-written passes. */
  private scalars(): { one: tf.Scalar; two: tf.Scalar } {
    if (this.consts === null) this.consts = { one: tf.keep(tf.scalar(1)), two: tf.keep(tf.scalar(2)) };
    return this.consts;
  }

  /** A cached `[1, 1, n]` row of ones (minibatch sizes repeat, so the cache stays small). */
  private onesRow(n: number): tf.Tensor3D {
    let t = this.ones.get(n);
    if (!t) {
      t = tf.keep(tf.ones([1, 1, n])) as tf.Tensor3D;
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
   * The weights as a plain Float32Array, read from the tfjs variable once per change, or the array the
   * optimizer assigned (`hostValues`): acting and the update's forward read them instead of dispatching
   * tfjs ops (a variable's `assign` gives it a new data id, so updates, `setWeights` and `load` are all
   * seen). Do not write into it.
   */
  weightsView(): Float32Array {
    return hostValues(this.theta);
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

  /** One action per agent from single observations (values too when the critic reads observations, unless `opts.values` is false). */
  act(observations: Record<string, Float32Array>, rng: Rng, opts: ActOptions = {}): ActResult {
    const withValues = this.spec.criticInput === 'observation' && opts.values !== false;
    // null-prototype records: agent names such as `__proto__` or `toString` are plain keys
    const actions = Object.create(null) as Record<string, unknown>;
    const logProbs = Object.create(null) as Record<string, number>;
    const values = Object.create(null) as Record<string, number>;
    this.groups.forEach((grp, g) => {
      const obs = grp.spec.members.map((a) => {
        const o: unknown = observations[a];
        const numeric = o instanceof Float32Array || (Array.isArray(o) && o.every((v) => typeof v === 'number'));
        if (!numeric || (o as ArrayLike<number>).length !== grp.spec.obsDim) {
          throw new ConfigError(
            `observations.${a}`,
            `expected ${grp.spec.obsDim} numbers (a Float32Array), got ${describe(o)}`,
            'Pass one flat observation per agent of the policy.',
          );
        }
        const f = o instanceof Float32Array ? o : Float32Array.from(o as number[]);
        const bad = f.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0)
          throw new ConfigError(`observations.${a}`, `entry ${bad} is ${f[bad]}`, 'Pass finite observations (the policy would otherwise emit NaN actions).');
        return f;
      });
      const x = MlpActorCritic.withMemberOneHot(obs, 1, grp.spec.obsDim);
      const { raw, logProb } = this.actBatch(g, x, grp.spec.members.length, rng, opts.deterministic ?? false);
      const v = withValues ? this.valueBatch(g, x, grp.spec.members.length) : undefined;
      grp.spec.members.forEach((a, j) => {
        actions[a] = grp.head.toEnvAction(raw, j);
        logProbs[a] = logProb[j];
        if (v) values[a] = v[j];
      });
    });
    return withValues ? { actions, logProbs, values } : { actions, logProbs };
  }

  /** Weights as a copy. */
  getWeights(): Float32Array {
    return this.theta.dataSync().slice() as Float32Array;
  }

  /** Overwrites all weights (length must be `numParams`). */
  setWeights(w: Float32Array): void {
    if (w.length !== this.numParams)
      throw new ConfigError('weights', `has ${w.length} floats, expected ${this.numParams}`, 'Use weights of a policy with the same spec.');
    tf.tidy(() => this.theta.assign(tf.tensor1d(w)));
  }

  /** JSON-safe snapshot: spec and weights (base64 float32). */
  save(): PolicyState {
    return { kind: 'mlp-actor-critic', spec: this.spec, weights: encodeFloat32(this.getWeights()) };
  }

  /** Restores weights saved from a policy with an identical spec. */
  load(state: PolicyState): void {
    if (state.kind !== 'mlp-actor-critic')
      throw new ConfigError('policy.kind', `is "${state.kind}", expected "mlp-actor-critic"`, 'Load a snapshot saved by MlpActorCritic.save().');
    if (JSON.stringify(state.spec) !== JSON.stringify(this.spec)) {
      throw new ConfigError(
        'policy.spec',
        "differs from this policy's spec (agents, dims, heads or hidden sizes)",
        'Create the policy with MlpActorCritic.fromState(state) or with the same spec.',
      );
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
    if (this.consts) tf.dispose([this.consts.one, this.consts.two]);
    this.consts = null;
    this.theta.dispose();
  }
}
