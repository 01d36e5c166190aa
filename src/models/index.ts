// `llm-ensemble-gym/models`: the ModelAdapter interface, tokenizers and the adapters (ONNX, OpenAI-compatible HTTP, replay). Re-exports only.
export type { Tokenizer, SpecialTokens } from './Tokenizer.js';
export type { ModelAdapter, Session, NextToken, TopK } from './ModelAdapter.js';
export { ModelLoadError, ModelInputError, ModelClosedError, ModelRequestError } from './errors.js';
export { HfTokenizer, type SpecialTokenIds } from './HfTokenizer.js';
export { OnnxCausalLM, type OnnxCausalLMOptions, type OnnxRunStats } from './OnnxCausalLM.js';
export { OpenAIHttpModel, CHAT_MAX_TOP_LOGPROBS, type OpenAIHttpModelOptions, type OpenAIEndpoint, type PromptFormat, type ReplicaSpread } from './openai/OpenAIHttpModel.js';
export { startServer, type ServeOptions, type ServeFault, type RunningServer } from './openai/startServer.js';
export { ReplayModel } from './ReplayModel.js';
export { RecordingModel, type RecordingOptions } from './RecordingModel.js';
export { REPLAY_FORMAT, parseReplay, formatReplay, type ReplayHeader, type ReplayRecord } from './replayFormat.js';
export { logSoftmax } from './logSoftmax.js';
export { tokenText, TokenTextIndex } from './tokenText.js';
