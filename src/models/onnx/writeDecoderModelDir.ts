import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../core/writeFileAtomic.js';
import { buildDecoderOnnx, type DecoderWeights } from './buildDecoderOnnx.js';

/** Fields of `config.json` for the tiny decoder; extra keys are written as given. */
export interface DecoderConfigExtras {
  readonly bos_token_id?: number;
  readonly eos_token_id?: number;
  readonly [key: string]: unknown;
}

/** The `config.json` object (GPT-2 field names) describing `w`. */
export function decoderConfigJson(w: DecoderWeights, extras: DecoderConfigExtras = {}): Record<string, unknown> {
  return {
    model_type: 'gpt2-tiny',
    architectures: ['GPT2LMHeadModel'],
    vocab_size: w.vocabSize,
    n_embd: w.dModel,
    n_layer: w.nLayers,
    n_head: w.nHeads,
    n_inner: w.dFF,
    n_positions: w.maxPositions,
    layer_norm_epsilon: 1e-5,
    activation_function: 'gelu',
    ...extras,
  };
}

/**
 * Writes a model directory in Hugging Face layout (`config.json`, `tokenizer.json`, `onnx/model.onnx`)
 * that `OnnxCausalLM.load(dir)` opens.
 */
export async function writeDecoderModelDir(dir: string, w: DecoderWeights, tokenizerJson: object, extras: DecoderConfigExtras = {}): Promise<void> {
  await mkdir(join(dir, 'onnx'), { recursive: true });
  await writeFileAtomic(join(dir, 'onnx', 'model.onnx'), buildDecoderOnnx(w));
  await writeFileAtomic(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson, null, 1));
  await writeFileAtomic(join(dir, 'config.json'), JSON.stringify(decoderConfigJson(w, extras), null, 2));
}
