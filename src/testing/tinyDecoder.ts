// A random-weight tiny decoder with a char-level tokenizer, written as a Hugging Face model dir,
// plus a plain-loop JS forward pass used as the reference the ONNX graph must match.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../core/Rng.js';
import type { DecoderLayerWeights, DecoderWeights } from '../models/onnx/buildDecoderOnnx.js';
import { writeDecoderModelDir } from '../models/onnx/writeDecoderModelDir.js';

/** Special tokens of the char-level tokenizer, at ids 0..3. */
export const CHAR_SPECIALS = ['<pad>', '<bos>', '<eos>', '<unk>'] as const;
/** Default character set of the tiny tokenizer. */
export const DEFAULT_CHARS = ' abcdefghijklmnopqrstuvwxyz0123456789.,?!+-=';

/** A valid Hugging Face tokenizer.json for a char-level tokenizer: specials at 0..3, one id per char. */
export function charTokenizerJson(chars: string = DEFAULT_CHARS): object {
  const vocab: Record<string, number> = {};
  CHAR_SPECIALS.forEach((t, i) => (vocab[t] = i));
  for (const c of chars) if (!(c in vocab)) vocab[c] = Object.keys(vocab).length;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: CHAR_SPECIALS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: null,
    post_processor: null,
    decoder: { type: 'Fuse' },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: [],
    },
  };
}

/** Sizes of a tiny decoder. */
export interface TinySizes {
  dModel: number;
  nLayers: number;
  nHeads: number;
  dFF: number;
  maxPositions: number;
}

/** Default sizes: small enough for fast tests, with 2 layers and 2 heads so the cache plumbing is exercised. */
export const TINY_SIZES: TinySizes = { dModel: 16, nLayers: 2, nHeads: 2, dFF: 32, maxPositions: 64 };

/** Random weights (seeded) with enough scale that logits differ clearly across tokens and positions. */
export function randomDecoderWeights(seed: number, vocabSize: number, sizes: TinySizes = TINY_SIZES, withBias = true): DecoderWeights {
  const rng = new Rng(seed);
  const { dModel: D, dFF: F } = sizes;
  const normal = (n: number, std: number, mean = 0): Float32Array => Float32Array.from({ length: n }, () => rng.normal(mean, std));
  const layer = (): DecoderLayerWeights => ({
    ln1Gamma: normal(D, 0.1, 1),
    ln1Beta: normal(D, 0.1),
    wq: normal(D * D, 0.3),
    wk: normal(D * D, 0.3),
    wv: normal(D * D, 0.3),
    wo: normal(D * D, 0.3),
    bq: normal(D, 0.1),
    bk: normal(D, 0.1),
    bv: normal(D, 0.1),
    bo: normal(D, 0.1),
    ln2Gamma: normal(D, 0.1, 1),
    ln2Beta: normal(D, 0.1),
    w1: normal(D * F, 0.3),
    b1: normal(F, 0.1),
    w2: normal(F * D, 0.3),
    b2: normal(D, 0.1),
  });
  return {
    vocabSize,
    ...sizes,
    tokenEmbedding: normal(vocabSize * D, 0.5),
    positionEmbedding: normal(sizes.maxPositions * D, 0.3),
    layers: Array.from({ length: sizes.nLayers }, layer),
    lnFGamma: normal(D, 0.1, 1),
    lnFBeta: normal(D, 0.1),
    lmHead: normal(D * vocabSize, 0.5),
    ...(withBias ? { lmHeadBias: normal(vocabSize, 0.2) } : {}),
  };
}

/** A tiny decoder model dir in a fresh temp folder; `cleanup()` removes it. */
export interface TinyDecoderDir {
  readonly dir: string;
  readonly weights: DecoderWeights;
  readonly tokenizerJson: object;
  cleanup(): Promise<void>;
}

/** Writes a seeded random tiny decoder + char tokenizer (BOS = 1, EOS = 2) into a temp dir in HF layout. */
export async function makeTinyDecoderDir(opts: { seed?: number; sizes?: Partial<TinySizes>; chars?: string } = {}): Promise<TinyDecoderDir> {
  const tokenizerJson = charTokenizerJson(opts.chars);
  const vocabSize = Object.keys((tokenizerJson as { model: { vocab: object } }).model.vocab).length;
  const weights = randomDecoderWeights(opts.seed ?? 7, vocabSize, { ...TINY_SIZES, ...opts.sizes });
  const dir = await mkdtemp(join(tmpdir(), 'leg-tiny-'));
  await writeDecoderModelDir(dir, weights, tokenizerJson, { bos_token_id: 1, eos_token_id: 2, pad_token_id: 0, add_bos_token: true });
  return { dir, weights, tokenizerJson, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

function layerNorm(x: Float64Array, gamma: Float32Array, beta: Float32Array): Float64Array {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i] - mean) ** 2;
  v /= n;
  const inv = 1 / Math.sqrt(v + 1e-5);
  return Float64Array.from(x, (xi, i) => (xi - mean) * inv * gamma[i] + beta[i]);
}

function matVec(x: Float64Array, w: Float32Array, bias: Float32Array | undefined, dout: number): Float64Array {
  const out = new Float64Array(dout);
  for (let o = 0; o < dout; o++) {
    let s = bias ? bias[o] : 0;
    for (let i = 0; i < x.length; i++) s += x[i] * w[i * dout + o];
    out[o] = s;
  }
  return out;
}

/** erf to ~1e-12: Maclaurin series for |x| < 2.5, the erfc continued fraction beyond. */
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let sum = ax,
      term = ax;
    for (let n = 1; n < 60; n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return Math.sign(x) * (1 - erfc);
}

/** Plain-loop forward pass (float64) over `ids` at positions 0..n-1: logits and final hidden state per position. */
export function referenceForward(w: DecoderWeights, ids: readonly number[]): { logits: Float64Array[]; hidden: Float64Array[] } {
  const { dModel: D, nHeads: H, dFF: F, vocabSize: V } = w;
  const hd = D / H;
  let xs = ids.map((id, p) => Float64Array.from({ length: D }, (_, d) => w.tokenEmbedding[id * D + d] + w.positionEmbedding[p * D + d]));
  for (const l of w.layers) {
    const hs = xs.map((x) => layerNorm(x, l.ln1Gamma, l.ln1Beta));
    const q = hs.map((h) => matVec(h, l.wq, l.bq, D));
    const k = hs.map((h) => matVec(h, l.wk, l.bk, D));
    const v = hs.map((h) => matVec(h, l.wv, l.bv, D));
    xs = xs.map((x, i) => {
      const ctx = new Float64Array(D);
      for (let head = 0; head < H; head++) {
        const scores = [];
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let d = 0; d < hd; d++) s += q[i][head * hd + d] * k[j][head * hd + d];
          scores.push(s / Math.sqrt(hd));
        }
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j <= i; j++) for (let d = 0; d < hd; d++) ctx[head * hd + d] += (e[j] / z) * v[j][head * hd + d];
      }
      const attn = matVec(ctx, l.wo, l.bo, D);
      const x1 = Float64Array.from(x, (xi, d) => xi + attn[d]);
      const a = matVec(layerNorm(x1, l.ln2Gamma, l.ln2Beta), l.w1, l.b1, F).map((u) => 0.5 * u * (1 + erf(u / Math.SQRT2)));
      const mlp = matVec(a, l.w2, l.b2, D);
      return Float64Array.from(x1, (xi, d) => xi + mlp[d]);
    });
  }
  const hidden = xs.map((x) => layerNorm(x, w.lnFGamma, w.lnFBeta));
  return { hidden, logits: hidden.map((h) => matVec(h, w.lmHead, w.lmHeadBias, V)) };
}
