import * as tf from '@tensorflow/tfjs';
import { Box, Dict, Discrete, MultiBinary, MultiDiscrete, Simplex, type Space } from '../core/spaces.js';
import { ConfigError } from '../core/errors.js';
import { putOwn } from '../core/putOwn.js';
import type { Rng } from '../core/Rng.js';
import { digamma, lgamma, lgammaOf } from './specialFunctions.js';

/** Distribution families a head can use; every family's raw action has as many floats as its parameters. */
export type HeadKind = 'gaussian' | 'dirichlet' | 'bernoulli' | 'categorical';

/** How a leaf's raw sample becomes the env action. */
export type LeafTransform = 'identity' | 'clip' | 'softmax' | 'simplex' | 'bits' | 'index';

/** JSON-safe description of a head: a tree whose leaves are distributions and whose inner nodes are `Dict` keys. */
export type HeadNode =
  | {
      readonly type: 'leaf';
      readonly kind: HeadKind;
      readonly dim: number;
      readonly transform: LeafTransform;
      readonly low?: number[];
      readonly high?: number[];
      readonly start?: number;
      readonly scalar?: boolean;
    }
  | { readonly type: 'dict'; readonly keys: readonly string[]; readonly children: readonly HeadNode[] }
  | { readonly type: 'multi'; readonly children: readonly HeadNode[] };

/** How `ActionHead.fromSpace` maps a `Simplex` action space: exact Dirichlet, or Gaussian logits turned into softmax weights. */
export type SimplexHead = 'dirichlet' | 'gaussian';

/** A run of leaves of one kind and width, evaluated with one reshape: columns `offset .. offset + count*dim`. */
interface Block {
  readonly kind: HeadKind;
  readonly offset: number;
  readonly count: number;
  readonly dim: number;
}

interface Leaf {
  readonly node: Extract<HeadNode, { type: 'leaf' }>;
  readonly offset: number;
}

/** Offset added to the policy head's softplus concentrations (not `MIN_CONCENTRATION`, the floor for sampling user-given ones): keeps log-densities finite when the network output is very negative. */
export const HEAD_MIN_CONCENTRATION = 1e-3;
// Dirichlet samples are clamped away from 0 before the log: gamma draws with tiny shapes underflow.
const MIN_SIMPLEX_ENTRY = 1e-30;
const LOG_2PI = Math.log(2 * Math.PI);

const softplus = (x: number): number => (x > 20 ? x : Math.log1p(Math.exp(x)));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const softplusStable = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

/**
 * The action distribution of one agent: maps network outputs (`dim` floats per row) to samples in JS
 * (seeded `Rng`, not tfjs samplers), to env actions, and to log-probabilities and entropies in tfjs.
 */
export class ActionHead {
  /** Network outputs (= raw action floats) per row. */
  readonly dim: number;
  /** Indices of outputs that are Gaussian means (they get a state-independent log-std parameter). */
  readonly gaussianMask: Float32Array;
  private readonly leaves: Leaf[] = [];
  private readonly blocks: Block[] = [];

  /** Builds a head from its JSON tree (see `fromSpace`). */
  constructor(readonly tree: HeadNode) {
    this.dim = this.collect(tree, 0);
    this.gaussianMask = new Float32Array(this.dim);
    for (const { node, offset } of this.leaves) {
      if (node.kind === 'gaussian') this.gaussianMask.fill(1, offset, offset + node.dim);
      const last = this.blocks[this.blocks.length - 1];
      const elementwise = node.kind === 'gaussian' || node.kind === 'bernoulli';
      if (last && last.kind === node.kind && last.offset + last.count * last.dim === offset && (elementwise || last.dim === node.dim)) {
        this.blocks[this.blocks.length - 1] = elementwise ? { ...last, dim: last.dim + node.dim } : { ...last, count: last.count + 1 };
      } else {
        this.blocks.push({ kind: node.kind, offset, count: 1, dim: node.dim });
      }
    }
  }

  /**
   * The head for an action space: Box → diagonal Gaussian (clipped to finite bounds), Simplex → Dirichlet
   * (or Gaussian logits + softmax), MultiBinary → Bernoulli, Discrete/MultiDiscrete → Categorical, Dict → per key.
   */
  static fromSpace(space: Space<unknown>, simplex: SimplexHead = 'dirichlet', field = 'actionSpace'): ActionHead {
    return new ActionHead(ActionHead.nodeFor(space, simplex, field));
  }

  private static nodeFor(space: Space<unknown>, simplex: SimplexHead, field: string): HeadNode {
    if (space instanceof Simplex) {
      return simplex === 'dirichlet'
        ? { type: 'leaf', kind: 'dirichlet', dim: space.n, transform: 'simplex' }
        : { type: 'leaf', kind: 'gaussian', dim: space.n, transform: 'softmax' };
    }
    if (space instanceof Box) {
      const bounded = Array.from(space.low).some(Number.isFinite) || Array.from(space.high).some(Number.isFinite);
      return bounded
        ? {
            type: 'leaf',
            kind: 'gaussian',
            dim: space.flatDim,
            transform: 'clip',
            low: Array.from(space.low, (v) => (Number.isFinite(v) ? v : -3.4e38)),
            high: Array.from(space.high, (v) => (Number.isFinite(v) ? v : 3.4e38)),
          }
        : { type: 'leaf', kind: 'gaussian', dim: space.flatDim, transform: 'identity' };
    }
    if (space instanceof MultiBinary) return { type: 'leaf', kind: 'bernoulli', dim: space.n, transform: 'bits' };
    if (space instanceof Discrete) return { type: 'leaf', kind: 'categorical', dim: space.n, transform: 'index', start: space.start, scalar: true };
    if (space instanceof MultiDiscrete) {
      return {
        type: 'multi',
        children: Array.from(space.nvec, (n) => ({ type: 'leaf', kind: 'categorical', dim: n, transform: 'index', start: 0 }) as HeadNode),
      };
    }
    if (space instanceof Dict) {
      return { type: 'dict', keys: [...space.keys], children: space.keys.map((k) => ActionHead.nodeFor((space as Dict).spaces[k], simplex, `${field}.${k}`)) };
    }
    throw new ConfigError(field, `no action head for space ${String(space)}`, 'Use Box, Simplex, MultiBinary, Discrete, MultiDiscrete or a Dict of these.');
  }

  private collect(node: HeadNode, offset: number): number {
    if (node.type === 'leaf') {
      this.leaves.push({ node, offset });
      return node.dim;
    }
    let d = 0;
    for (const c of node.children) d += this.collect(c, offset + d);
    return d;
  }

  /**
   * Samples raw actions for `rows` rows of network outputs `out` (row-major, `dim` per row) in JS.
   * Deterministic mode returns the distribution's mean (Gaussian, Dirichlet) or mode (Bernoulli, Categorical).
   */
  sample(out: Float32Array, logStd: Float32Array, rows: number, rng: Rng, deterministic: boolean): Float32Array {
    const raw = new Float32Array(rows * this.dim);
    for (let r = 0; r < rows; r++) {
      for (const { node, offset } of this.leaves) {
        const base = r * this.dim + offset;
        const d = node.dim;
        if (node.kind === 'gaussian') {
          for (let i = 0; i < d; i++) raw[base + i] = deterministic ? out[base + i] : out[base + i] + Math.exp(logStd[offset + i]) * rng.normal();
        } else if (node.kind === 'dirichlet') {
          let s = 0;
          for (let i = 0; i < d; i++) {
            const a = softplus(out[base + i]) + HEAD_MIN_CONCENTRATION;
            const g = deterministic ? a : rng.gamma(a);
            raw[base + i] = g;
            s += g;
          }
          if (!(s > 0)) {
            // every gamma draw underflowed: fall back to the mean, which is on the simplex too
            s = 0;
            for (let i = 0; i < d; i++) s += raw[base + i] = softplus(out[base + i]) + HEAD_MIN_CONCENTRATION;
          }
          for (let i = 0; i < d; i++) raw[base + i] = Math.max(raw[base + i] / s, MIN_SIMPLEX_ENTRY);
        } else if (node.kind === 'bernoulli') {
          for (let i = 0; i < d; i++) {
            const p = sigmoid(out[base + i]);
            raw[base + i] = (deterministic ? p > 0.5 : rng.next() < p) ? 1 : 0;
          }
        } else {
          let m = -Infinity;
          for (let i = 0; i < d; i++) m = Math.max(m, out[base + i]);
          const p = new Float64Array(d);
          let best = 0;
          for (let i = 0; i < d; i++) {
            p[i] = Math.exp(out[base + i] - m);
            if (p[i] > p[best]) best = i;
          }
          const k = deterministic ? best : rng.categorical(p);
          raw[base + k] = 1;
        }
      }
    }
    return raw;
  }

  /**
   * Log-probabilities `[rows]` of raw actions `raw` under network outputs `out` (both `[rows, dim]`), in JS:
   * the same densities as `logProbEntropy` (the acting path; the update differentiates the tfjs one).
   */
  logProbs(out: Float32Array, logStd: Float32Array, raw: Float32Array, rows: number): Float32Array {
    const lp = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (const { node, offset } of this.leaves) {
        const base = r * this.dim + offset;
        const d = node.dim;
        if (node.kind === 'gaussian') {
          for (let i = 0; i < d; i++) {
            const ls = logStd[offset + i];
            const z = (raw[base + i] - out[base + i]) * Math.exp(-ls);
            sum += -0.5 * z * z - ls - 0.5 * LOG_2PI;
          }
        } else if (node.kind === 'bernoulli') {
          for (let i = 0; i < d; i++) sum += raw[base + i] * out[base + i] - softplusStable(out[base + i]);
        } else if (node.kind === 'categorical') {
          let m = -Infinity;
          for (let i = 0; i < d; i++) m = Math.max(m, out[base + i]);
          let z = 0;
          for (let i = 0; i < d; i++) z += Math.exp(out[base + i] - m);
          const logZ = m + Math.log(z);
          for (let i = 0; i < d; i++) sum += raw[base + i] * (out[base + i] - logZ);
        } else {
          let a0 = 0;
          for (let i = 0; i < d; i++) {
            const a = softplusStable(out[base + i]) + HEAD_MIN_CONCENTRATION;
            a0 += a;
            sum += (a - 1) * Math.log(Math.max(raw[base + i], MIN_SIMPLEX_ENTRY)) - lgammaOf(a);
          }
          sum += lgammaOf(a0);
        }
      }
      lp[r] = sum;
    }
    return lp;
  }

  /** Whether `entropies` and `logProbEntropyBackward` cover this head: every leaf Gaussian or Bernoulli. */
  get hasJsBackward(): boolean {
    return this.leaves.every(({ node }) => node.kind === 'gaussian' || node.kind === 'bernoulli');
  }

  /** Entropies `[rows]` under network outputs `out` in JS, for heads with `hasJsBackward` (the same terms as `logProbEntropy`). */
  entropies(out: Float32Array, logStd: Float32Array, rows: number): Float32Array {
    const ent = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (const { node, offset } of this.leaves) {
        const base = r * this.dim + offset;
        for (let i = 0; i < node.dim; i++) {
          if (node.kind === 'gaussian') {
            sum += logStd[offset + i] + 0.5 + 0.5 * LOG_2PI;
          } else {
            // H = softplus(l) - σ(l)·l
            const l = out[base + i];
            sum += softplusStable(l) - sigmoid(l) * l;
          }
        }
      }
      ent[r] = sum;
    }
    return ent;
  }

  /**
   * The backward pass of `logProbs` and `entropies` in JS, for heads with `hasJsBackward`: given the loss
   * gradients `dLogProb` and `dEntropy` `[rows]`, the gradients of the outputs `[rows, dim]` and of `logStd`
   * `[dim]`. Gaussian: with z = (x - μ)·e^(-log σ), ∂log p/∂μ = z·e^(-log σ), ∂log p/∂log σ = z² - 1 and
   * ∂H/∂log σ = 1; Bernoulli: ∂log p/∂l = x - σ(l), ∂H/∂l = -σ(l)(1 - σ(l))·l.
   */
  logProbEntropyBackward(
    out: Float32Array,
    logStd: Float32Array,
    raw: Float32Array,
    rows: number,
    dLogProb: Float32Array,
    dEntropy: Float32Array,
  ): { dOut: Float32Array; dLogStd: Float32Array } {
    const dOut = new Float32Array(rows * this.dim);
    const dLs = new Float64Array(this.dim);
    for (let r = 0; r < rows; r++) {
      const gl = dLogProb[r],
        ge = dEntropy[r];
      for (const { node, offset } of this.leaves) {
        const base = r * this.dim + offset;
        for (let i = 0; i < node.dim; i++) {
          const j = base + i;
          if (node.kind === 'gaussian') {
            const inv = Math.exp(-logStd[offset + i]);
            const z = (raw[j] - out[j]) * inv;
            dOut[j] = z * inv * gl;
            dLs[offset + i] += (z * z - 1) * gl + ge;
          } else {
            const l = out[j];
            const p = sigmoid(l);
            dOut[j] = (raw[j] - p) * gl - p * (1 - p) * l * ge;
          }
        }
      }
    }
    return { dOut, dLogStd: Float32Array.from(dLs) };
  }

  /** The env action for row `r` of raw actions (softmax for Gaussian-over-simplex, clipping, indices, bits, Dict records). */
  toEnvAction(raw: Float32Array, r: number): unknown {
    let leafIdx = 0;
    const build = (node: HeadNode): unknown => {
      if (node.type === 'dict') {
        // putOwn: a key named `__proto__` must be an entry
        const rec: Record<string, unknown> = {};
        node.keys.forEach((k, i) => putOwn(rec, k, build(node.children[i])));
        return rec;
      }
      if (node.type === 'multi') {
        const xs = node.children.map(build) as number[];
        return Int32Array.from(xs);
      }
      const { offset } = this.leaves[leafIdx++];
      const x = raw.subarray(r * this.dim + offset, r * this.dim + offset + node.dim);
      switch (node.transform) {
        case 'identity':
        case 'simplex':
          return x.slice();
        case 'clip': {
          const out = x.slice();
          for (let i = 0; i < out.length; i++) out[i] = Math.min(node.high![i], Math.max(node.low![i], out[i]));
          return out;
        }
        case 'softmax': {
          const m = Math.max(...x);
          const e = Array.from(x, (v) => Math.exp(v - m));
          const s = e.reduce((a, b) => a + b, 0);
          return Float32Array.from(e, (v) => v / s);
        }
        case 'bits':
          return Uint8Array.from(x);
        case 'index':
          return (node.start ?? 0) + x.indexOf(1);
      }
    };
    return build(this.tree);
  }

  /** Log-probability `[B]` of raw actions `raw` `[B, dim]` and entropy `[B]` under network outputs `out` `[B, dim]`. */
  logProbEntropy(out: tf.Tensor2D, logStd: tf.Tensor1D, raw: tf.Tensor2D): { logProb: tf.Tensor1D; entropy: tf.Tensor1D } {
    return tf.tidy(() => {
      const lps: tf.Tensor1D[] = [];
      const ents: tf.Tensor1D[] = [];
      const single = this.blocks.length === 1;
      for (const b of this.blocks) {
        const width = b.count * b.dim;
        const o = single ? out : tf.slice(out, [0, b.offset], [-1, width]);
        const x = single ? raw : tf.slice(raw, [0, b.offset], [-1, width]);
        const { logProb, entropy } = blockLogProbEntropy(b, o, x, logStd);
        lps.push(logProb);
        ents.push(entropy);
      }
      return { logProb: lps.length === 1 ? lps[0] : (tf.addN(lps) as tf.Tensor1D), entropy: ents.length === 1 ? ents[0] : (tf.addN(ents) as tf.Tensor1D) };
    });
  }

  /** The distribution's mean (Gaussian: means; Dirichlet: α/Σα; Bernoulli: p; Categorical: probabilities) for outputs `out`. */
  meanOf(out: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const parts = this.blocks.map((b) => {
        const o = tf.slice(out, [0, b.offset], [-1, b.count * b.dim]);
        if (b.kind === 'gaussian') return o;
        if (b.kind === 'bernoulli') return tf.sigmoid(o);
        const o3 = tf.reshape(o, [-1, b.count, b.dim]);
        const m =
          b.kind === 'categorical'
            ? tf.softmax(o3)
            : tf.div(tf.add(tf.softplus(o3), HEAD_MIN_CONCENTRATION), tf.sum(tf.add(tf.softplus(o3), HEAD_MIN_CONCENTRATION), -1, true));
        return tf.reshape(m, [-1, b.count * b.dim]);
      });
      return (parts.length === 1 ? parts[0] : tf.concat(parts, 1)) as tf.Tensor2D;
    });
  }

  /** The leaves in output order (kind, width and offset), e.g. for exporters. */
  leafLayout(): { kind: HeadKind; offset: number; dim: number; transform: LeafTransform }[] {
    return this.leaves.map(({ node, offset }) => ({ kind: node.kind, offset, dim: node.dim, transform: node.transform }));
  }
}

function blockLogProbEntropy(b: Block, o: tf.Tensor2D, x: tf.Tensor2D, logStd: tf.Tensor1D): { logProb: tf.Tensor1D; entropy: tf.Tensor1D } {
  const width = b.count * b.dim;
  if (b.kind === 'gaussian') {
    const ls = b.offset === 0 && width === logStd.shape[0] ? logStd : tf.slice(logStd, [b.offset], [width]);
    return gaussianLogProbEntropy(o, ls, x);
  }
  if (b.kind === 'bernoulli') {
    // log p(x) = x·l - softplus(l); H = softplus(l) - σ(l)·l
    const sp = tf.softplus(o);
    const logProb = tf.sum(tf.sub(tf.mul(x, o), sp), 1) as tf.Tensor1D;
    const entropy = tf.sum(tf.sub(sp, tf.mul(tf.sigmoid(o), o)), 1) as tf.Tensor1D;
    return { logProb, entropy };
  }
  const o3 = tf.reshape(o, [-1, b.count, b.dim]);
  const x3 = tf.reshape(x, [-1, b.count, b.dim]);
  if (b.kind === 'categorical') {
    const lsm = tf.logSoftmax(o3);
    const logProb = tf.sum(tf.mul(x3, lsm), [1, 2]) as tf.Tensor1D;
    const entropy = tf.neg(tf.sum(tf.mul(tf.exp(lsm), lsm), [1, 2])) as tf.Tensor1D;
    return { logProb, entropy };
  }
  // Dirichlet: log p(x) = lgamma(α₀) - Σ lgamma(αᵢ) + Σ (αᵢ - 1) log xᵢ
  // H = Σ lgamma(αᵢ) - lgamma(α₀) + (α₀ - K) ψ(α₀) - Σ (αᵢ - 1) ψ(αᵢ)
  const alpha = tf.add(tf.softplus(o3), HEAD_MIN_CONCENTRATION);
  const a0 = tf.sum(alpha, -1);
  const logB = tf.sub(tf.sum(lgamma(alpha), -1), lgamma(a0));
  const am1 = tf.sub(alpha, 1);
  const logX = tf.log(tf.maximum(x3, MIN_SIMPLEX_ENTRY));
  const logProb = tf.sum(tf.sub(tf.sum(tf.mul(am1, logX), -1), logB), 1) as tf.Tensor1D;
  const ent = tf.sub(tf.add(logB, tf.mul(tf.sub(a0, b.dim), digamma(a0))), tf.sum(tf.mul(am1, digamma(alpha)), -1));
  return { logProb, entropy: tf.sum(ent, 1) as tf.Tensor1D };
}

/**
 * Diagonal Gaussian log-prob and entropy `[B]` as one custom-gradient op: with z = (x - μ)·e^(-log σ),
 * ∂log p/∂μ = z·e^(-log σ) and ∂log p/∂log σ = z² - 1, ∂H/∂log σ = 1, so the backward pass needs a
 * handful of ops instead of autodiff through the forward's.
 */
function gaussianLogProbEntropy(mu: tf.Tensor2D, logStd: tf.Tensor1D, x: tf.Tensor2D): { logProb: tf.Tensor1D; entropy: tf.Tensor1D } {
  const width = mu.shape[1];
  const f = tf.customGrad(((m: tf.Tensor, ls: tf.Tensor, save: tf.GradSaveFunc) => {
    const inv = tf.exp(tf.neg(ls));
    const z = tf.mul(tf.sub(x, m), inv);
    const z2 = tf.square(z);
    const sumLs = tf.sum(ls);
    const logProb = tf.sub(tf.mul(tf.sum(z2, 1), -0.5), tf.add(sumLs, 0.5 * LOG_2PI * width));
    const entropy = tf.add(tf.zerosLike(logProb), tf.add(sumLs, (0.5 + 0.5 * LOG_2PI) * width));
    save([z, inv, z2]);
    return {
      value: tf.stack([logProb, entropy]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [z_, inv_, z2_] = saved;
        const [dLp, dEnt] = tf.unstack(dy);
        const dLpCol = tf.expandDims(dLp, 1);
        const dMu = tf.mul(tf.mul(z_, inv_), dLpCol);
        const dLs = tf.add(tf.sum(tf.mul(tf.sub(z2_, 1), dLpCol), 0), tf.sum(dEnt));
        return [dMu, dLs];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const [logProb, entropy] = tf.unstack(f(mu, logStd)) as tf.Tensor1D[];
  return { logProb, entropy };
}
