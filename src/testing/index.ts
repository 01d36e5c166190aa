// `llm-ensemble-gym/testing`: the env checker and the ModelAdapter contract suite (which registers node:test tests). Re-exports only.
export * from '../core/checkParallelEnv.js';
export { exportAdapterContractTests, type AdapterContractOptions } from '../models/contract/exportAdapterContractTests.js';
// Fixtures for tests and benchmarks of your own code: seeded synthetic answer data and in-memory model adapters.
// (`src/testing/tinyDecoder.ts`, a random tiny ONNX decoder, is not re-exported: it loads the ONNX builders.)
export { syntheticAnswers, syntheticAnswersObject, syntheticAnswerEnv, type SyntheticAnswersOptions } from './syntheticAnswers.js';
export { FakeModel, ListTokenizer, decodeAlone, type FakeModelOptions, type CallCounts } from './decodingFakes.js';
