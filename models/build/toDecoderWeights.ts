import type { DecoderWeights } from '../../src/models/onnx/buildDecoderOnnx.js';
import type { TinyDecoder } from './TinyDecoder.js';

/** Copies the trained tfjs variables into the `DecoderWeights` layout that `buildDecoderOnnx` takes (same [in, out] order). */
export function toDecoderWeights(m: TinyDecoder): DecoderWeights {
  const f = (v: { dataSync(): ArrayLike<number> }): Float32Array => Float32Array.from(v.dataSync());
  const c = m.config;
  return {
    vocabSize: c.vocabSize,
    dModel: c.dModel,
    nLayers: c.nLayers,
    nHeads: c.nHeads,
    dFF: c.dFF,
    maxPositions: c.maxPositions,
    tokenEmbedding: f(m.tokenEmbedding),
    positionEmbedding: f(m.positionEmbedding),
    layers: m.layers.map((l) => ({
      ln1Gamma: f(l.ln1Gamma),
      ln1Beta: f(l.ln1Beta),
      wq: f(l.wq),
      wk: f(l.wk),
      wv: f(l.wv),
      wo: f(l.wo),
      bq: f(l.bq),
      bk: f(l.bk),
      bv: f(l.bv),
      bo: f(l.bo),
      ln2Gamma: f(l.ln2Gamma),
      ln2Beta: f(l.ln2Beta),
      w1: f(l.w1),
      b1: f(l.b1),
      w2: f(l.w2),
      b2: f(l.b2),
    })),
    lnFGamma: f(m.lnFGamma),
    lnFBeta: f(m.lnFBeta),
    lmHead: f(m.lmHead),
    lmHeadBias: f(m.lmHeadBias),
  };
}
