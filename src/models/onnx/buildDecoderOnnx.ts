import { attr, DataType, floatTensor, GraphBuilder, OnnxGraphError } from './onnxGraph.js';

/** Weights of one pre-LN transformer block; matrices are row-major `[in, out]`, applied as `y = x·W`. */
export interface DecoderLayerWeights {
  ln1Gamma: Float32Array;
  ln1Beta: Float32Array;
  wq: Float32Array;
  wk: Float32Array;
  wv: Float32Array;
  wo: Float32Array;
  bq: Float32Array;
  bk: Float32Array;
  bv: Float32Array;
  bo: Float32Array;
  ln2Gamma: Float32Array;
  ln2Beta: Float32Array;
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
}

/** Weights and sizes of the GPT-2-style tiny decoder (see the shared decoder contract). */
export interface DecoderWeights {
  vocabSize: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  dFF: number;
  maxPositions: number;
  /** [vocabSize, dModel] */
  tokenEmbedding: Float32Array;
  /** [maxPositions, dModel] */
  positionEmbedding: Float32Array;
  layers: DecoderLayerWeights[];
  lnFGamma: Float32Array;
  lnFBeta: Float32Array;
  /** [dModel, vocabSize] */
  lmHead: Float32Array;
  /** [vocabSize] */
  lmHeadBias?: Float32Array;
}

/** LayerNorm epsilon of the architecture (GPT-2 uses 1e-5). */
export const DECODER_LN_EPSILON = 1e-5;
/** Score given to masked attention entries before Softmax (exp underflows to exactly 0 in float32). */
export const DECODER_MASK_VALUE = -1e9;

function checkSizes(w: DecoderWeights): void {
  const sizes = { vocabSize: w.vocabSize, dModel: w.dModel, nLayers: w.nLayers, nHeads: w.nHeads, dFF: w.dFF, maxPositions: w.maxPositions };
  for (const [k, v] of Object.entries(sizes)) {
    if (!Number.isInteger(v) || v < 1) throw new OnnxGraphError(`decoder weights: ${k} = ${v} must be a positive integer.`);
  }
  if (w.dModel % w.nHeads !== 0) {
    throw new OnnxGraphError(`decoder weights: dModel ${w.dModel} is not divisible by nHeads ${w.nHeads}. Choose nHeads that divides dModel.`);
  }
  if (w.layers.length !== w.nLayers) {
    throw new OnnxGraphError(`decoder weights: layers has ${w.layers.length} entries but nLayers = ${w.nLayers}. Make them agree.`);
  }
  const expect = (field: string, arr: Float32Array | undefined, n: number): void => {
    if (!(arr instanceof Float32Array) || arr.length !== n) {
      throw new OnnxGraphError(
        `decoder weights: ${field} must be a Float32Array of ${n} elements, got ${arr instanceof Float32Array ? arr.length : typeof arr}. Check its shape against the decoder contract.`,
      );
    }
  };
  const { vocabSize: V, dModel: D, dFF: F, maxPositions: P } = w;
  expect('tokenEmbedding', w.tokenEmbedding, V * D);
  expect('positionEmbedding', w.positionEmbedding, P * D);
  expect('lnFGamma', w.lnFGamma, D);
  expect('lnFBeta', w.lnFBeta, D);
  expect('lmHead', w.lmHead, D * V);
  if (w.lmHeadBias !== undefined) expect('lmHeadBias', w.lmHeadBias, V);
  w.layers.forEach((l, i) => {
    const dims: Record<keyof DecoderLayerWeights, number> = {
      ln1Gamma: D,
      ln1Beta: D,
      wq: D * D,
      wk: D * D,
      wv: D * D,
      wo: D * D,
      bq: D,
      bk: D,
      bv: D,
      bo: D,
      ln2Gamma: D,
      ln2Beta: D,
      w1: D * F,
      b1: F,
      w2: F * D,
      b2: D,
    };
    for (const [k, n] of Object.entries(dims)) expect(`layers[${i}].${k}`, l[k as keyof DecoderLayerWeights], n);
  });
}

/**
 * Builds the tiny decoder as a serialized ONNX model (opset 17) with the Hugging Face / Optimum
 * decoder-with-past signature: inputs `input_ids`, `attention_mask`, `position_ids`,
 * `past_key_values.{i}.key|value`; outputs `logits`, `present.{i}.key|value`, `last_hidden_state`.
 * Pre-LN blocks, exact-erf GELU, LayerNorm eps 1e-5, causal + padding mask (key j visible to query i
 * iff j <= past+i and attention_mask[b, j] == 1).
 */
export function buildDecoderOnnx(w: DecoderWeights): Uint8Array {
  checkSizes(w);
  const { vocabSize: V, dModel: D, nHeads: H, dFF: F, maxPositions: P } = w;
  const hd = D / H;
  const g = new GraphBuilder('tiny_decoder');
  const I64 = DataType.INT64;
  const F32 = DataType.FLOAT;

  const inputIds = g.input('input_ids', I64, ['batch_size', 'sequence_length']);
  const attentionMask = g.input('attention_mask', I64, ['batch_size', 'total_sequence_length']);
  const positionIds = g.input('position_ids', I64, ['batch_size', 'sequence_length']);
  const past = w.layers.map((_, i) => ({
    key: g.input(`past_key_values.${i}.key`, F32, ['batch_size', H, 'past_sequence_length', hd]),
    value: g.input(`past_key_values.${i}.value`, F32, ['batch_size', H, 'past_sequence_length', hd]),
  }));

  // Embeddings.
  const tokEmb = g.initializer('transformer.wte.weight', floatTensor([V, D], w.tokenEmbedding));
  const posEmb = g.initializer('transformer.wpe.weight', floatTensor([P, D], w.positionEmbedding));
  let x = g.op('Add', [g.op('Gather', [tokEmb, inputIds], { axis: attr.int(0) }), g.op('Gather', [posEmb, positionIds], { axis: attr.int(0) })]);

  // Additive attention bias [batch, 1, seq, total]: 0 where visible, DECODER_MASK_VALUE elsewhere.
  // total comes from attention_mask so the graph never depends on the past tensors' shapes.
  const zero = g.constInt64('zero', [], [0]);
  const one = g.constInt64('one', [], [1]);
  const axis0 = g.constInt64('axis0', [1], [0]);
  const seqLen = g.op('Squeeze', [g.op('Shape', [inputIds], { start: attr.int(1), end: attr.int(2) }), axis0]);
  const totalLen = g.op('Squeeze', [g.op('Shape', [attentionMask], { start: attr.int(1), end: attr.int(2) }), axis0]);
  const pastLen = g.op('Sub', [totalLen, seqLen]);
  const keyPos = g.op('Range', [zero, totalLen, one]); // [T]
  const queryPos = g.op('Range', [pastLen, totalLen, one]); // [S]
  const causal = g.op('LessOrEqual', [
    g.op('Unsqueeze', [keyPos, axis0]), // [1, T]
    g.op('Unsqueeze', [queryPos, g.constInt64('axis1', [1], [1])]), // [S, 1]
  ]); // [S, T]
  const padOk = g.op('Unsqueeze', [g.op('Cast', [attentionMask], { to: attr.int(DataType.BOOL) }), g.constInt64('axes12', [2], [1, 2])]); // [B, 1, 1, T]
  const visible = g.op('And', [causal, padOk]); // [B, 1, S, T]
  const attnBias = g.op('Where', [visible, g.constFloat('zero_f', [], [0]), g.constFloat('mask_value', [], [DECODER_MASK_VALUE])]);

  const headsShape = g.constInt64('heads_shape', [4], [0, 0, H, hd]);
  const mergedShape = g.constInt64('merged_shape', [3], [0, 0, D]);
  const scale = g.constFloat('attn_scale', [], [1 / Math.sqrt(hd)]);
  const half = g.constFloat('half', [], [0.5]);
  const oneF = g.constFloat('one_f', [], [1]);
  const sqrt2 = g.constFloat('sqrt2', [], [Math.SQRT2]);
  const lnAttrs = { axis: attr.int(-1), epsilon: attr.float(DECODER_LN_EPSILON) };
  const toHeads = (t: string): string => g.op('Transpose', [g.op('Reshape', [t, headsShape])], { perm: attr.ints([0, 2, 1, 3]) });

  w.layers.forEach((l, i) => {
    const p = `transformer.h.${i}`;
    const W = (name: string, dims: number[], data: Float32Array): string => g.initializer(`${p}.${name}`, floatTensor(dims, data));
    const linear = (t: string, wName: string, wData: Float32Array, bName: string, bData: Float32Array, din: number, dout: number): string =>
      g.op('Add', [g.op('MatMul', [t, W(wName, [din, dout], wData)]), W(bName, [dout], bData)]);

    // [arch] pre-LN attention block with KV cache.
    const h = g.op('LayerNormalization', [x, W('ln_1.weight', [D], l.ln1Gamma), W('ln_1.bias', [D], l.ln1Beta)], lnAttrs);
    const q = toHeads(linear(h, 'attn.q.weight', l.wq, 'attn.q.bias', l.bq, D, D));
    const k = toHeads(linear(h, 'attn.k.weight', l.wk, 'attn.k.bias', l.bk, D, D));
    const v = toHeads(linear(h, 'attn.v.weight', l.wv, 'attn.v.bias', l.bv, D, D));
    const kAll = g.op('Concat', [past[i].key, k], { axis: attr.int(2) }, `present.${i}.key`);
    const vAll = g.op('Concat', [past[i].value, v], { axis: attr.int(2) }, `present.${i}.value`);
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, g.op('Transpose', [kAll], { perm: attr.ints([0, 1, 3, 2]) })]), scale]), attnBias]);
    const probs = g.op('Softmax', [scores], { axis: attr.int(-1) });
    const ctx = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [probs, vAll])], { perm: attr.ints([0, 2, 1, 3]) }), mergedShape]);
    x = g.op('Add', [x, linear(ctx, 'attn.o.weight', l.wo, 'attn.o.bias', l.bo, D, D)]);

    // [arch] pre-LN MLP with exact GELU: 0.5·x·(1 + erf(x/√2)).
    const h2 = g.op('LayerNormalization', [x, W('ln_2.weight', [D], l.ln2Gamma), W('ln_2.bias', [D], l.ln2Beta)], lnAttrs);
    const a = linear(h2, 'mlp.fc.weight', l.w1, 'mlp.fc.bias', l.b1, D, F);
    const gelu = g.op('Mul', [g.op('Mul', [a, half]), g.op('Add', [oneF, g.op('Erf', [g.op('Div', [a, sqrt2])])])]);
    x = g.op('Add', [x, linear(gelu, 'mlp.proj.weight', l.w2, 'mlp.proj.bias', l.b2, F, D)]);
  });

  const lnF = g.op(
    'LayerNormalization',
    [x, g.initializer('transformer.ln_f.weight', floatTensor([D], w.lnFGamma)), g.initializer('transformer.ln_f.bias', floatTensor([D], w.lnFBeta))],
    lnAttrs,
    'last_hidden_state',
  );
  const head = g.initializer('lm_head.weight', floatTensor([D, V], w.lmHead));
  const logitsNoBias = g.op('MatMul', [lnF, head], {}, w.lmHeadBias ? undefined : 'logits');
  if (w.lmHeadBias) {
    g.op('Add', [logitsNoBias, g.initializer('lm_head.bias', floatTensor([V], w.lmHeadBias))], {}, 'logits');
  }

  g.output('logits', 'logits', F32, ['batch_size', 'sequence_length', V]);
  w.layers.forEach((_, i) => {
    g.output(`present.${i}.key`, `present.${i}.key`, F32, ['batch_size', H, 'total_sequence_length', hd]);
    g.output(`present.${i}.value`, `present.${i}.value`, F32, ['batch_size', H, 'total_sequence_length', hd]);
  });
  g.output('last_hidden_state', 'last_hidden_state', F32, ['batch_size', 'sequence_length', D]);
  return g.build({
    docString: 'GPT-2-style pre-LN tiny decoder with KV cache (llm-ensemble-gym decoder contract)',
    metadata: { vocab_size: String(V), n_embd: String(D), n_layer: String(w.nLayers), n_head: String(H), n_inner: String(F), n_positions: String(P) },
  });
}
