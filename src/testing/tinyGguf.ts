// A random-weight tiny GPT-2 written twice, as a Hugging Face ONNX dir and as a llama.cpp GGUF, same weights.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { byteLevelAlphabet } from '../models/byteLevelAlphabet.js';
import { decoderToGguf, GGUF_TOKEN_CONTROL, GGUF_TOKEN_NORMAL, type GgufVocab } from '../models/gguf/decoderToGguf.js';
import { writeDecoderModelDir } from '../models/onnx/writeDecoderModelDir.js';
import { CHAR_SPECIALS, charTokenizerJson, DEFAULT_CHARS, randomDecoderWeights, TINY_SIZES, type TinySizes } from './tinyDecoder.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { DecoderWeights } from '../models/onnx/buildDecoderOnnx.js';

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

/** The `GgufVocab` of a byte-level BPE tokenizer.json (the `gpt2` tokenizer model in llama.cpp terms). */
export function byteBpeGgufVocab(
  tokenizerJson: {
    model: { vocab: Record<string, number>; merges: Array<string | [string, string]> };
    added_tokens?: Array<{ id: number; special?: boolean }>;
  },
  bos: number,
  eos: number,
): GgufVocab {
  const entries = Object.entries(tokenizerJson.model.vocab);
  const tokens = new Array<string>(entries.length);
  for (const [t, id] of entries) tokens[id] = t;
  const special = new Set((tokenizerJson.added_tokens ?? []).filter((a) => a.special).map((a) => a.id));
  return {
    tokens,
    tokenTypes: tokens.map((_, i) => (special.has(i) ? GGUF_TOKEN_CONTROL : GGUF_TOKEN_NORMAL)),
    merges: tokenizerJson.model.merges.map((m) => (Array.isArray(m) ? m.join(' ') : m)),
    bos,
    eos,
    addBos: true,
  };
}

/**
 * Random weights (no lm-head bias) over a copy of a byte-level BPE tokenizer.json (e.g. a bundled
 * model's), as ONNX dir + GGUF; BOS = EOS = `specialId`. Exercises merges and byte tokens in llama.cpp's tokenizer.
 */
export async function makeByteBpeGgufPair(tokenizerJsonPath: string, opts: { seed?: number; specialId?: number } = {}): Promise<TinyGgufPair> {
  const tokenizerJson = JSON.parse(await readFile(tokenizerJsonPath, 'utf8')) as Parameters<typeof byteBpeGgufVocab>[0];
  const special = opts.specialId ?? 0;
  const vocab = byteBpeGgufVocab(tokenizerJson, special, special);
  const weights = randomDecoderWeights(opts.seed ?? 7, vocab.tokens.length, TINY_SIZES, false);
  const root = await mkdtemp(join(tmpdir(), 'leg-gguf-bpe-'));
  const onnxDir = join(root, 'onnx-model');
  await writeDecoderModelDir(onnxDir, weights, tokenizerJson, { bos_token_id: special, eos_token_id: special, add_bos_token: true });
  const ggufPath = join(root, 'model-f32.gguf');
  await writeFile(ggufPath, decoderToGguf(weights, vocab, 'tiny-bpe-gguf-test'));
  return { onnxDir, ggufPath, weights, cleanup: () => rm(root, { recursive: true, force: true }) };
}
