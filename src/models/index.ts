// `llm-ensemble-gym/models`: the ModelAdapter interface, tokenizers and the adapters (ONNX, OpenAI-compatible HTTP, replay). Re-exports only.
export type { Tokenizer, SpecialTokens } from './Tokenizer.js';
export type { ModelAdapter, Session, NextToken, TopK } from './ModelAdapter.js';
export { ModelLoadError, ModelInputError, ModelClosedError, ModelRequestError, ModelDependencyError } from './errors.js';
export { HfTokenizer, type SpecialTokenIds } from './HfTokenizer.js';
export { OnnxCausalLM, type OnnxCausalLMOptions, type OnnxRunStats } from './OnnxCausalLM.js';
export { LlamaCppModel, LLAMA_LOGPROB_FLOOR, type LlamaCppModelOptions } from './LlamaCppModel.js';
export { GgufTokenizer } from './gguf/GgufTokenizer.js';
export { writeGguf, GgufWriteError, type GgufTensor, type GgufValue } from './gguf/writeGguf.js';
export { decoderToGguf, type GgufVocab } from './gguf/decoderToGguf.js';
export { nodeLlamaCppAvailable, NODE_LLAMA_CPP_INSTALL, type LlamaGpu } from './gguf/nodeLlamaCpp.js';
export { byteLevelAlphabet } from './byteLevelAlphabet.js';
export {
  OpenAIHttpModel,
  CHAT_MAX_TOP_LOGPROBS,
  type OpenAIHttpModelOptions,
  type OpenAIEndpoint,
  type PromptFormat,
  type ReplicaSpread,
} from './openai/OpenAIHttpModel.js';
export { startServer, type ServeOptions, type ServeFault, type RunningServer } from './openai/startServer.js';
export { ReplayModel } from './ReplayModel.js';
export { RecordingModel, type RecordingOptions } from './RecordingModel.js';
export { REPLAY_FORMAT, parseReplay, formatReplay, type ReplayHeader, type ReplayRecord } from './replayFormat.js';
export { logSoftmax } from './logSoftmax.js';
export { tokenText, TokenTextIndex } from './tokenText.js';
export type { DecoderWeights, DecoderLayerWeights } from './onnx/buildDecoderOnnx.js';
