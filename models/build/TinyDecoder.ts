import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/Rng.js';

/** Shape of a bundled decoder (DECODER_SPEC: GPT-2 style, pre-LayerNorm, exact GELU). */
export interface TinyDecoderConfig {
  readonly vocabSize: number;
  readonly dModel: number;
  readonly nLayers: number;
  readonly nHeads: number;
  readonly dFF: number;
  readonly maxPositions: number;
}

interface LayerVars {
  ln1Gamma: tf.Variable;
  ln1Beta: tf.Variable;
  wq: tf.Variable;
  wk: tf.Variable;
  wv: tf.Variable;
  wo: tf.Variable;
  bq: tf.Variable;
  bk: tf.Variable;
  bv: tf.Variable;
  bo: tf.Variable;
  ln2Gamma: tf.Variable;
  ln2Beta: tf.Variable;
  w1: tf.Variable;
  b1: tf.Variable;
  w2: tf.Variable;
  b2: tf.Variable;
}

const LN_EPS = 1e-5;

function normal(rng: Rng, shape: number[], std: number, name: string): tf.Variable {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal(0, std);
  return tf.variable(tf.tensor(data, shape), true, name);
}

function constant(shape: number[], value: number, name: string): tf.Variable {
  return tf.variable(tf.fill(shape, value), true, name);
}

function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).div(variance.add(LN_EPS).sqrt()).mul(gamma).add(beta);
}

function gelu(x: tf.Tensor): tf.Tensor {
  return x.mul(0.5).mul(tf.erf(x.div(Math.SQRT2)).add(1));
}

/**
 * Embedding lookup: Gather forward, one-hotᵀ·dy backward (the wasm backend has no kernel for Gather's
 * gradient, and a one-hot matmul in the forward pass would cost as much as the LM head).
 */
function embed(table: tf.Tensor, ids: tf.Tensor1D, vocabSize: number): tf.Tensor {
  const f = tf.customGrad(((t: tf.Tensor) => ({
    value: tf.gather(t, ids),
    gradFunc: (dy: tf.Tensor) => tf.matMul(tf.oneHot(ids, vocabSize).toFloat(), dy as tf.Tensor2D, true, false),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(table);
}

/**
 * The bundled decoder in tfjs: raw variables and ops that follow DECODER_SPEC exactly, so the exported
 * ONNX graph computes the same logits. Initialisation is seeded through `Rng` (GPT-2: N(0, 0.02), residual
 * projections scaled by 1/√(2·nLayers)).
 */
export class TinyDecoder {
  readonly tokenEmbedding: tf.Variable;
  readonly positionEmbedding: tf.Variable;
  readonly layers: LayerVars[] = [];
  readonly lnFGamma: tf.Variable;
  readonly lnFBeta: tf.Variable;
  readonly lmHead: tf.Variable;
  readonly lmHeadBias: tf.Variable;

  /** Creates freshly initialised weights from `seed`. */
  constructor(
    readonly config: TinyDecoderConfig,
    seed: number | string,
  ) {
    const { vocabSize: V, dModel: D, nLayers: L, dFF: F, maxPositions: P } = config;
    if (D % config.nHeads !== 0) throw new Error(`dModel ${D} is not divisible by nHeads ${config.nHeads}`);
    const rng = new Rng(`tiny-decoder/${seed}`);
    const std = 0.02;
    const resStd = std / Math.sqrt(2 * L);
    this.tokenEmbedding = normal(rng, [V, D], std, 'tok');
    this.positionEmbedding = normal(rng, [P, D], std / 2, 'pos');
    for (let l = 0; l < L; l++) {
      this.layers.push({
        ln1Gamma: constant([D], 1, `l${l}.ln1g`),
        ln1Beta: constant([D], 0, `l${l}.ln1b`),
        wq: normal(rng, [D, D], std, `l${l}.wq`),
        wk: normal(rng, [D, D], std, `l${l}.wk`),
        wv: normal(rng, [D, D], std, `l${l}.wv`),
        wo: normal(rng, [D, D], resStd, `l${l}.wo`),
        bq: constant([D], 0, `l${l}.bq`),
        bk: constant([D], 0, `l${l}.bk`),
        bv: constant([D], 0, `l${l}.bv`),
        bo: constant([D], 0, `l${l}.bo`),
        ln2Gamma: constant([D], 1, `l${l}.ln2g`),
        ln2Beta: constant([D], 0, `l${l}.ln2b`),
        w1: normal(rng, [D, F], std, `l${l}.w1`),
        b1: constant([F], 0, `l${l}.b1`),
        w2: normal(rng, [F, D], resStd, `l${l}.w2`),
        b2: constant([D], 0, `l${l}.b2`),
      });
    }
    this.lnFGamma = constant([D], 1, 'lnfg');
    this.lnFBeta = constant([D], 0, 'lnfb');
    this.lmHead = normal(rng, [D, V], std, 'head');
    this.lmHeadBias = constant([V], 0, 'headb');
  }

  /** Every trainable variable. */
  variables(): tf.Variable[] {
    return [
      this.tokenEmbedding,
      this.positionEmbedding,
      ...this.layers.flatMap((l) => Object.values(l) as tf.Variable[]),
      this.lnFGamma,
      this.lnFBeta,
      this.lmHead,
      this.lmHeadBias,
    ];
  }

  /** Number of parameters. */
  parameterCount(): number {
    return this.variables().reduce((n, v) => n + v.size, 0);
  }

  /**
   * Logits [batch, seq, vocab] for `ids` [batch, seq] (int32) at positions 0..seq-1, causal attention;
   * `keyMask` [batch, seq] (1 = real token) hides padding keys as the ONNX attention_mask does.
   * `fromPosition` computes the head only for positions >= it (training needs only the answer's).
   */
  logits(ids: tf.Tensor2D, keyMask?: tf.Tensor2D, fromPosition = 0): tf.Tensor3D {
    return tf.tidy(() => {
      const { dModel: D, nHeads: H } = this.config;
      const [B, T] = ids.shape;
      const hd = D / H;
      const tok = embed(this.tokenEmbedding, ids.reshape([B * T]) as tf.Tensor1D, this.config.vocabSize).reshape([B, T, D]);
      let x: tf.Tensor = tok.add(this.positionEmbedding.slice([0, 0], [T, D]));
      const causal = tf.linalg.bandPart(tf.ones([T, T]), -1, 0);
      let visible: tf.Tensor = causal.reshape([1, 1, T, T]);
      if (keyMask) visible = visible.mul(keyMask.toFloat().reshape([B, 1, 1, T]));
      const negative = tf.scalar(1).sub(visible).mul(-1e9);
      const heads = (t: tf.Tensor) => t.reshape([B, T, H, hd]).transpose([0, 2, 1, 3]);
      for (const l of this.layers) {
        const h = layerNorm(x, l.ln1Gamma, l.ln1Beta).reshape([B * T, D]);
        const q = heads(h.matMul(l.wq).add(l.bq));
        const k = heads(h.matMul(l.wk).add(l.bk));
        const v = heads(h.matMul(l.wv).add(l.bv));
        const scores = tf.matMul(q, k, false, true).div(Math.sqrt(hd)).add(negative);
        const att = tf
          .matMul(tf.softmax(scores, -1), v)
          .transpose([0, 2, 1, 3])
          .reshape([B * T, D]);
        x = x.add(att.matMul(l.wo).add(l.bo).reshape([B, T, D]));
        const h2 = layerNorm(x, l.ln2Gamma, l.ln2Beta).reshape([B * T, D]);
        x = x.add(gelu(h2.matMul(l.w1).add(l.b1)).matMul(l.w2).add(l.b2).reshape([B, T, D]));
      }
      const Tk = T - fromPosition;
      const xs = fromPosition > 0 ? x.slice([0, fromPosition, 0], [B, Tk, D]) : x;
      const hf = layerNorm(xs, this.lnFGamma, this.lnFBeta).reshape([B * Tk, D]);
      return hf.matMul(this.lmHead).add(this.lmHeadBias).reshape([B, Tk, this.config.vocabSize]) as tf.Tensor3D;
    });
  }

  /** Frees every variable. */
  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }
}
