import type { SumReverseRules } from '../../src/ensemble/tasks/sumReverseTask.js';
import type { TokenizerKind } from './buildTokenizerJson.js';

/** Everything that defines one bundled model: tokenizer, training data rules, size and training budget. */
export interface BundledModelSpec {
  readonly name: string;
  /** One line for the model card: what the model is for. */
  readonly role: string;
  readonly tokenizer: TokenizerKind;
  /** BPE merges learned from the training text (ignored for `char`). */
  readonly merges: number;
  /** Rules its training answers follow; a rule other than the canonical one makes it confidently wrong there. */
  readonly rules: SumReverseRules;
  readonly dModel: number;
  readonly nLayers: number;
  readonly nHeads: number;
  readonly dFF: number;
  readonly maxPositions: number;
  /** Distinct training questions drawn from the train split. */
  readonly trainItems: number;
  readonly steps: number;
  readonly batchSize: number;
  readonly learningRate: number;
}

/** The bundled models: a sum specialist, a reversal specialist, and a weaker generalist. */
export const BUNDLED_MODELS: readonly BundledModelSpec[] = [
  {
    name: 'tiny-sum-bytebpe',
    role: 'sum specialist: adds correctly, but copies the word instead of reversing it',
    tokenizer: 'byte-bpe',
    merges: 120,
    rules: { sum: 'sum', word: 'copy' },
    dModel: 64,
    nLayers: 2,
    nHeads: 4,
    dFF: 256,
    maxPositions: 32,
    trainItems: 20000,
    steps: 800,
    batchSize: 32,
    learningRate: 3e-3,
  },
  {
    name: 'tiny-rev-char',
    role: 'reversal specialist: reverses the word correctly, but writes the sum last digit first',
    tokenizer: 'char',
    merges: 0,
    rules: { sum: 'reversed-sum', word: 'reverse' },
    dModel: 64,
    nLayers: 2,
    nHeads: 4,
    dFF: 256,
    maxPositions: 32,
    trainItems: 20000,
    steps: 800,
    batchSize: 32,
    learningRate: 3e-3,
  },
  {
    name: 'tiny-gen-spbpe',
    role: 'generalist: trained on the real task, but with a smaller MLP, fewer examples and only 180 steps, so it is weak at both parts',
    tokenizer: 'metaspace-bpe',
    merges: 120,
    rules: { sum: 'sum', word: 'reverse' },
    dModel: 64,
    nLayers: 2,
    nHeads: 4,
    dFF: 128,
    maxPositions: 32,
    trainItems: 2000,
    steps: 180,
    batchSize: 32,
    learningRate: 3e-3,
  },
];
