// A random-weight tiny GPT-2 written twice, as a Hugging Face ONNX dir and as a llama.cpp GGUF, same weights.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { byteLevelAlphabet } from '../../src/models/byteLevelAlphabet.js';
import { decoderToGguf, GGUF_TOKEN_CONTROL, GGUF_TOKEN_NORMAL } from '../../src/models/gguf/decoderToGguf.js';
import { writeDecoderModelDir } from '../../src/models/onnx/writeDecoderModelDir.js';
import { CHAR_SPECIALS, charTokenizerJson, DEFAULT_CHARS, randomDecoderWeights, TINY_SIZES, type TinySizes } from './tinyDecoder.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { DecoderWeights } from '../../src/models/onnx/buildDecoderOnnx.js';

/** The two files of one tiny model; `cleanup()` removes them. */
export interface TinyGgufPair {
  /** Hugging Face layout directory (config.json, tokenizer.json, onnx/model.onnx) for `OnnxCausalLM`. */
  readonly onnxDir: string;
  /** The same weights as a GGUF file for `LlamaCppModel`. */
  readonly ggufPath: string;
  readonly weights: DecoderWeights;
  cleanup(): Promise<void>;
}

/** Byte-level token strings of the char tokenizer (specials kept as they are), the form llama.cpp's gpt2 tokenizer reads. */
export function charGgufTokens(chars: string = DEFAULT_CHARS): string[] {
  const table = byteLevelAlphabet();
  const out: string[] = [...CHAR_SPECIALS];
  for (const c of chars) {
    const t = [...new TextEncoder().encode(c)].map((b) => table[b]).join('');
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

/** Writes a seeded random tiny decoder (no lm-head bias: llama.cpp's gpt2 has none) as ONNX dir + GGUF; BOS = 1, EOS = 2. */
export async function makeTinyGgufPair(opts: { seed?: number; sizes?: Partial<TinySizes>; chars?: string } = {}): Promise<TinyGgufPair> {
  const tokens = charGgufTokens(opts.chars);
  const weights = randomDecoderWeights(opts.seed ?? 7, tokens.length, { ...TINY_SIZES, ...opts.sizes }, false);
  const root = await mkdtemp(join(tmpdir(), 'leg-gguf-'));
  const onnxDir = join(root, 'onnx-model');
  await writeDecoderModelDir(onnxDir, weights, charTokenizerJson(opts.chars), { bos_token_id: 1, eos_token_id: 2, pad_token_id: 0, add_bos_token: true });
  const ggufPath = join(root, 'model-f32.gguf');
  const tokenTypes = tokens.map((_, i) => (i < CHAR_SPECIALS.length ? GGUF_TOKEN_CONTROL : GGUF_TOKEN_NORMAL));
  await writeFile(ggufPath, decoderToGguf(weights, { tokens, tokenTypes, merges: [], bos: 1, eos: 2, addBos: true }, 'tiny-gguf-test'));
  return { onnxDir, ggufPath, weights, cleanup: () => rm(root, { recursive: true, force: true }) };
}
