import { join } from 'node:path';
import { writeDecoderModelDir } from '../../src/models/onnx/writeDecoderModelDir.js';
import { toDecoderWeights } from './toDecoderWeights.js';
import { BOS_EOS_ID, type TrainedModel } from './trainBundledModel.js';

/** Writes `models/<name>/` (config.json, tokenizer.json, onnx/model.onnx) for a trained model. */
export async function exportBundledModel(t: TrainedModel, modelsDir: string): Promise<string> {
  const dir = join(modelsDir, t.spec.name);
  await writeDecoderModelDir(dir, toDecoderWeights(t.model), t.tokenizerJson, {
    bos_token_id: BOS_EOS_ID,
    eos_token_id: BOS_EOS_ID,
    add_bos_token: true,
    tokenizer_kind: t.spec.tokenizer,
  });
  return dir;
}
