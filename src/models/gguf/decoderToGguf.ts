import type { DecoderWeights } from '../onnx/buildDecoderOnnx.js';
import { DECODER_LN_EPSILON } from '../onnx/buildDecoderOnnx.js';
import { GgufWriteError, writeGguf, type GgufTensor, type GgufValue } from './writeGguf.js';

/** GGUF token types (llama.cpp `llama_token_type`): 1 normal, 3 control (special), 6 byte. */
export const GGUF_TOKEN_NORMAL = 1;
export const GGUF_TOKEN_CONTROL = 3;

/** The tokenizer part of a GGUF file, in llama.cpp's `tokenizer.ggml.*` terms. */
export interface GgufVocab {
  /** Token strings by id; for the `gpt2` tokenizer model in byte-level form (space → `Ġ`). */
  readonly tokens: readonly string[];
  /** Per-id token type (`GGUF_TOKEN_NORMAL`, `GGUF_TOKEN_CONTROL`, ...). */
  readonly tokenTypes: readonly number[];
  /** BPE merges as `"a b"` strings, highest priority first (may be empty). */
  readonly merges: readonly string[];
  readonly bos: number;
  readonly eos: number;
  /** Whether llama.cpp puts BOS before a prompt (`tokenizer.ggml.add_bos_token`). */
  readonly addBos: boolean;
  /** Pre-tokenizer name llama.cpp knows (default `gpt-2`, the GPT-2 split regex). */
  readonly pre?: string;
}

/** Transposes a row-major `[rows, cols]` matrix. */
function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
}

function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Writes the GPT-2-style tiny decoder as a llama.cpp `gpt2` GGUF (float32): fused QKV, learned
 * positions, untied `output.weight`. Our `[in, out]` matrices become ggml's `[out rows of in]`.
 * Throws `GgufWriteError` for weights llama.cpp's gpt2 graph cannot express (an lm-head bias).
 */
export function decoderToGguf(w: DecoderWeights, vocab: GgufVocab, name = 'tiny-decoder'): Uint8Array {
  const { vocabSize: V, dModel: D, dFF: F, maxPositions: P } = w;
  if (w.lmHeadBias && w.lmHeadBias.some((b) => b !== 0)) {
    throw new GgufWriteError(
      "the decoder has an lm-head bias, which llama.cpp's gpt2 architecture has no tensor for. Train or build the decoder without lmHeadBias to export it as GGUF.",
    );
  }
  if (vocab.tokens.length !== V || vocab.tokenTypes.length !== V) {
    throw new GgufWriteError(
      `the vocabulary has ${vocab.tokens.length} tokens and ${vocab.tokenTypes.length} types but the decoder ${V} ids. Pass one token and one type per id.`,
    );
  }
  const u32 = (value: number): GgufValue => ({ type: 'uint32', value });
  const metadata: Record<string, GgufValue> = {
    'general.architecture': 'gpt2',
    'general.type': 'model',
    'general.name': name,
    'general.file_type': u32(0),
    'general.quantization_version': u32(2),
    'gpt2.block_count': u32(w.nLayers),
    'gpt2.context_length': u32(P),
    'gpt2.embedding_length': u32(D),
    'gpt2.feed_forward_length': u32(F),
    'gpt2.attention.head_count': u32(w.nHeads),
    'gpt2.attention.layer_norm_epsilon': { type: 'float32', value: DECODER_LN_EPSILON },
    'tokenizer.ggml.model': 'gpt2',
    'tokenizer.ggml.pre': vocab.pre ?? 'gpt-2',
    'tokenizer.ggml.tokens': { type: 'array', of: 'string', values: vocab.tokens },
    'tokenizer.ggml.token_type': { type: 'array', of: 'int32', values: vocab.tokenTypes },
    'tokenizer.ggml.merges': { type: 'array', of: 'string', values: vocab.merges },
    'tokenizer.ggml.bos_token_id': u32(vocab.bos),
    'tokenizer.ggml.eos_token_id': u32(vocab.eos),
    'tokenizer.ggml.add_bos_token': vocab.addBos,
  };
  const tensors: GgufTensor[] = [
    { name: 'token_embd.weight', dims: [D, V], data: w.tokenEmbedding },
    { name: 'position_embd.weight', dims: [D, P], data: w.positionEmbedding },
  ];
  w.layers.forEach((l, i) => {
    const b = `blk.${i}`;
    tensors.push(
      { name: `${b}.attn_norm.weight`, dims: [D], data: l.ln1Gamma },
      { name: `${b}.attn_norm.bias`, dims: [D], data: l.ln1Beta },
      { name: `${b}.attn_qkv.weight`, dims: [D, 3 * D], data: concat(transpose(l.wq, D, D), transpose(l.wk, D, D), transpose(l.wv, D, D)) },
      { name: `${b}.attn_qkv.bias`, dims: [3 * D], data: concat(l.bq, l.bk, l.bv) },
      { name: `${b}.attn_output.weight`, dims: [D, D], data: transpose(l.wo, D, D) },
      { name: `${b}.attn_output.bias`, dims: [D], data: l.bo },
      { name: `${b}.ffn_norm.weight`, dims: [D], data: l.ln2Gamma },
      { name: `${b}.ffn_norm.bias`, dims: [D], data: l.ln2Beta },
      { name: `${b}.ffn_up.weight`, dims: [D, F], data: transpose(l.w1, D, F) },
      { name: `${b}.ffn_up.bias`, dims: [F], data: l.b1 },
      { name: `${b}.ffn_down.weight`, dims: [F, D], data: transpose(l.w2, F, D) },
      { name: `${b}.ffn_down.bias`, dims: [D], data: l.b2 },
    );
  });
  tensors.push(
    { name: 'output_norm.weight', dims: [D], data: w.lnFGamma },
    { name: 'output_norm.bias', dims: [D], data: w.lnFBeta },
    { name: 'output.weight', dims: [D, V], data: transpose(w.lmHead, D, V) },
  );
  return writeGguf(metadata, tensors);
}
