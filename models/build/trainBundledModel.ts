import { makeSumReverseTask } from '../../src/ensemble/tasks/sumReverseTask.js';
import { HfTokenizer } from '../../src/models/HfTokenizer.js';
import { byteBpeTokenizerJson, charTokenizerJson, metaspaceBpeTokenizerJson, type TokenizerJson } from './buildTokenizerJson.js';
import type { BundledModelSpec } from './bundledModels.js';
import { TinyDecoder } from './TinyDecoder.js';
import { trainDecoder, type EncodedExample, type TrainReport } from './trainDecoder.js';

/** Id of `<|endoftext|>`, used as BOS and EOS by every bundled tokenizer. */
export const BOS_EOS_ID = 0;

/** A trained bundled model with its tokenizer and what training measured. */
export interface TrainedModel {
  readonly spec: BundledModelSpec;
  readonly tokenizerJson: TokenizerJson;
  readonly tokenizer: HfTokenizer;
  readonly model: TinyDecoder;
  readonly report: TrainReport;
  /** Seconds spent learning the tokenizer. */
  readonly tokenizerSeconds: number;
}

/** Learns the tokenizer of `spec` from its training text. */
export function buildTokenizerJson(spec: BundledModelSpec, texts: readonly string[]): TokenizerJson {
  if (spec.tokenizer === 'char') return charTokenizerJson(texts);
  if (spec.tokenizer === 'byte-bpe') return byteBpeTokenizerJson(texts, spec.merges);
  return metaspaceBpeTokenizerJson(texts, spec.merges);
}

/**
 * Token ids `[BOS] + encode(prompt + answer) + [EOS]` and where the answer starts. Throws when the prompt's
 * tokens are not a prefix of the whole text's tokens (the answer would then start inside a token).
 */
export function encodeExample(tok: HfTokenizer, prompt: string, answer: string): EncodedExample {
  const p = tok.encode(prompt);
  const all = tok.encode(prompt + answer);
  for (let i = 0; i < p.length; i++) {
    if (all[i] !== p[i]) throw new Error(`tokenization of "${prompt}" is not a prefix of the answered text's`);
  }
  return { ids: [BOS_EOS_ID, ...all, BOS_EOS_ID], answerStart: 1 + p.length };
}

/** Draws the training data, learns the tokenizer and trains the model of `spec` from `seed`. */
export async function trainBundledModel(spec: BundledModelSpec, seed: number): Promise<TrainedModel> {
  const items = makeSumReverseTask(spec.rules).items('train', spec.trainItems, seed);
  const texts = items.map((i) => i.prompt + i.answer);
  const t0 = Date.now();
  const tokenizerJson = buildTokenizerJson(spec, texts);
  const tokenizerSeconds = (Date.now() - t0) / 1000;
  const tokenizer = HfTokenizer.fromJson(tokenizerJson, { source: `${spec.name}/tokenizer.json`, specialTokenIds: { bos: BOS_EOS_ID, eos: BOS_EOS_ID } });
  const examples = items.map((i) => encodeExample(tokenizer, i.prompt, i.answer));
  const model = new TinyDecoder(
    {
      vocabSize: tokenizer.vocabSize,
      dModel: spec.dModel,
      nLayers: spec.nLayers,
      nHeads: spec.nHeads,
      dFF: spec.dFF,
      maxPositions: spec.maxPositions,
    },
    `${spec.name}/${seed}`,
  );
  const report = await trainDecoder(model, examples, {
    steps: spec.steps,
    batchSize: spec.batchSize,
    learningRate: spec.learningRate,
    warmupSteps: Math.min(100, spec.steps / 10),
    seed,
    label: spec.name,
  });
  return { spec, tokenizerJson, tokenizer, model, report, tokenizerSeconds };
}
