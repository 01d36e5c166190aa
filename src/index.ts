// Public API of llm-ensemble-gym: re-exports only.
export { Rng, type RngState } from './core/Rng.js';
export { EnsembleGymError, InvalidActionError, EnvStateError, ConfigError, SpaceDefinitionError } from './core/errors.js';
export { Box, Discrete, MultiDiscrete, MultiBinary, Simplex, Dict, type Space, type Vector } from './core/spaces.js';
export {
  hasGlobalState,
  type ParallelEnv,
  type HasGlobalState,
  type AgentRecord,
  type Info,
  type EnvMetadata,
  type ResetOptions,
  type ResetResult,
  type StepResult,
} from './core/ParallelEnv.js';
export { initBackend, currentBackend, BACKEND_ORDER, type BackendName, type BackendReport } from './backend/initBackend.js';
export { flattenSpace, flatBounds } from './core/spaces.js';
export { batchify, unbatchify, type SpaceOf } from './core/batchify.js';
export {
  checkParallelEnv,
  assertParallelEnv,
  formatProblems,
  EnvCheckError,
  ENV_CHECK_PROPERTIES,
  type EnvCheckProperty,
  type EnvCheckProblem,
  type EnvCheckReport,
  type EnvCheckOptions,
  type EnvUnderCheck,
} from './core/checkParallelEnv.js';
export {
  CoordinationGameEnv,
  resolveCoordinationGameConfig,
  type CoordinationGameConfig,
  type ResolvedCoordinationGameConfig,
} from './envs/CoordinationGameEnv.js';
export {
  toSingleAgent,
  SingleAgentWrapper,
  type SingleAgentEnv,
  type SingleAgentResetResult,
  type SingleAgentStepResult,
  type JointAction,
} from './envs/wrappers/toSingleAgent.js';
export { toAEC, AECWrapper, type AECLast } from './envs/wrappers/toAEC.js';
export { RecordEpisodeStatistics, type EpisodeStatistics, type EpisodeSummary } from './envs/wrappers/RecordEpisodeStatistics.js';
export type { Tokenizer, SpecialTokens } from './models/Tokenizer.js';
export type { ModelAdapter, Session, NextToken, TopK } from './models/ModelAdapter.js';
export { ModelLoadError, ModelInputError, ModelClosedError, ModelRequestError, ModelDependencyError } from './models/errors.js';
export { HfTokenizer, type SpecialTokenIds } from './models/HfTokenizer.js';
export { OnnxCausalLM, type OnnxCausalLMOptions, type OnnxRunStats } from './models/OnnxCausalLM.js';
export { LlamaCppModel, LLAMA_LOGPROB_FLOOR, type LlamaCppModelOptions } from './models/LlamaCppModel.js';
export { GgufTokenizer } from './models/gguf/GgufTokenizer.js';
export { byteLevelAlphabet } from './models/byteLevelAlphabet.js';
export { writeGguf, GgufWriteError, type GgufTensor, type GgufValue } from './models/gguf/writeGguf.js';
export { decoderToGguf, type GgufVocab } from './models/gguf/decoderToGguf.js';
export { nodeLlamaCppAvailable, NODE_LLAMA_CPP_INSTALL, type LlamaGpu } from './models/gguf/nodeLlamaCpp.js';
export { OpenAIHttpModel, CHAT_MAX_TOP_LOGPROBS, type OpenAIHttpModelOptions, type OpenAIEndpoint, type PromptFormat, type ReplicaSpread } from './models/openai/OpenAIHttpModel.js';
export { ReplayModel } from './models/ReplayModel.js';
export { RecordingModel, type RecordingOptions } from './models/RecordingModel.js';
export { REPLAY_FORMAT, parseReplay, formatReplay, type ReplayHeader, type ReplayRecord } from './models/replayFormat.js';
export { exportAdapterContractTests, type AdapterContractOptions } from './models/contract/exportAdapterContractTests.js';
export { logSoftmax } from './models/logSoftmax.js';
export { tokenText, TokenTextIndex } from './models/tokenText.js';
export { buildDecoderOnnx, DECODER_LN_EPSILON, type DecoderWeights, type DecoderLayerWeights } from './models/onnx/buildDecoderOnnx.js';
export { writeDecoderModelDir, decoderConfigJson, type DecoderConfigExtras } from './models/onnx/writeDecoderModelDir.js';
export {
  GraphBuilder,
  OnnxGraphError,
  DataType,
  attr,
  node,
  valueInfo,
  buildModel,
  decodeModel,
  floatTensor,
  int64Tensor,
  int32Tensor,
  DEFAULT_OPSET,
  type Dim,
  type ModelParts,
  type AttributeValue,
} from './models/onnx/onnxGraph.js';
export { startServer, type ServeOptions, type ServeFault, type RunningServer } from './models/openai/startServer.js';
export { UnionVocabulary, completeUtf8Prefix, type PendingBytes } from './ensemble/UnionVocabulary.js';
export { mixDistributions, mixtureSize, tailIndex, type ModelDistribution } from './ensemble/mixDistributions.js';
export {
  actionToWeights,
  softmaxWeights,
  concentrationWeights,
  dirichletWeights,
  includeWeights,
  effectiveInclude,
  MIN_CONCENTRATION,
  type WeightParam,
  type ActionParam,
  type WeightContext,
} from './ensemble/actionToWeights.js';
export {
  exactMatch,
  normalizeAnswer,
  lastNumber,
  lastNumberMatch,
  optionLetter,
  optionIndex,
  makeScorer,
  type Scorer,
  type ScorerName,
  type NormalizeOptions,
} from './ensemble/scorers.js';
export { focalDiversity } from './ensemble/focalDiversity.js';
export {
  diversityMetrics,
  qStatistic,
  correlationCoefficient,
  disagreement,
  doubleFault,
  entropyMeasure,
  fleissKappa,
  pluralityVoteAccuracy,
  type DiversityReport,
} from './ensemble/diversityMetrics.js';
export { fuseAnswer, fusedDistribution, argmaxWithTies, fusionAccuracy, bestFixedWeights, FUSION_TIE_TOLERANCE, FUSION_MODES, type FusionMode, type FusableItem } from './ensemble/fuseAnswers.js';
export {
  loadAnswerData,
  parseAnswerData,
  answerDataFromObject,
  itemsOf,
  ItemSampler,
  AnswerDataError,
  type AnswerDataset,
  type AnswerItem,
  type AnswerSplit,
  type AnswerDataOptions,
  type ItemOrder,
} from './envs/answerData.js';
export {
  AnswerEnsembleEnv,
  resolveAnswerEnsembleConfig,
  packAnswers,
  type AnswerEnsembleConfig,
  type ResolvedAnswerEnsembleConfig,
  type AnswerResetOptions,
  type PackedAnswers,
} from './envs/AnswerEnsembleEnv.js';
export { FocalEnv, resolveFocalEnvConfig, type FocalEnvConfig, type ResolvedFocalEnvConfig, type SubsetStats } from './envs/FocalEnv.js';
export { VectorEnv, type VectorEnvOptions, type AutoresetMode, type VectorResetResult, type VectorStepResult, type AgentBatch } from './envs/VectorEnv.js';
export { WorkerEnv, spaceToJSON, spaceFromJSON, type WorkerEnvSpec, type SpaceJSON, type EnvDescription } from './envs/WorkerEnv.js';
export { type Task, type TaskItem, type AnswerSegment, type SegmentScore, type Split } from './ensemble/tasks/Task.js';
export {
  sumReverseTask,
  makeSumReverseTask,
  sumReverseItem,
  sumReversePrompt,
  CANONICAL_RULES,
  SUM_REVERSE_SPACE,
  type SumReverseRules,
  type SumReverseQuestion,
} from './ensemble/tasks/sumReverseTask.js';
export { splitOf, fnv1a, SPLIT_FRACTIONS } from './ensemble/tasks/splitOf.js';
export { readJsonl, parseJsonl, truncateTornTail, JsonlError, type ReadJsonlOptions, type JsonlContent } from './core/readJsonl.js';
export {
  EnsembleDecodingEnv,
  type EnsembleDecodingConfig,
  type DecodingItem,
  type DecodingScorer,
  type DecodingActionParam,
  type DecodingResetOptions,
} from './envs/EnsembleDecodingEnv.js';
export { HiddenProjection, type ProjectionMode } from './envs/decoding/HiddenProjection.js';
export { logprobFeatures, LOGPROB_FLOOR, type LogprobSummary } from './envs/decoding/logprobFeatures.js';
export { renderVegaLiteSvg, renderVegaLitePng, svgToPng, type ChartSpec, type RenderOptions } from './viz/renderVegaLite.js';
export { learningCurvesSpec } from './viz/learningCurvesSpec.js';
export { weightHeatmapSpec, type WeightTrace } from './viz/weightHeatmapSpec.js';
export { accuracyBarsSpec, type AccuracyRow } from './viz/accuracyBarsSpec.js';
export { writeRunPlots, type RunPlotData } from './viz/writeRunPlots.js';
export { parseMetricsJsonl, readMetricsJsonl, type MetricsRecord } from './viz/MetricsRecord.js';
export {
  runDecodingExperiment,
  type DecodingExperimentConfig,
  type DecodingExperimentResults,
  type MethodResult,
} from './experiments/decoding/runDecodingExperiment.js';
export { evaluateDecoding, type DecodingEvalResult } from './experiments/decoding/evaluateDecoding.js';
export { SegmentOraclePolicy, type DecodingProgress } from './experiments/decoding/SegmentOraclePolicy.js';
export { segmentCreditScorer } from './experiments/decoding/segmentCreditScorer.js';
export { resolveRunConfig, DEFAULT_RUN_CONFIG, type RunConfig } from './cli/RunConfig.js';
export { EnsembleInputError } from './ensemble/EnsembleInputError.js';
export { type Policy, type ActorCriticPolicy, type ActResult, type ActOptions, type PolicyState } from './agents/Policy.js';
export { ActionHead, MIN_CONCENTRATION as HEAD_MIN_CONCENTRATION, type HeadNode, type HeadKind, type SimplexHead } from './agents/ActionHead.js';
export { MlpActorCritic, type MlpActorCriticSpec, type ActorCriticGroupSpec } from './agents/MlpActorCritic.js';
export { exportPolicyOnnx, buildPolicyOnnx, OnnxPolicy, ONNX_POLICY_IO } from './agents/exportPolicyOnnx.js';
export {
  FixedWeightsPolicy,
  gridSearchWeights,
  bestSingleModel,
  simplexGrid,
  type FixedWeightsOptions,
  type GridSearchOptions,
} from './agents/baselines/FixedWeightsPolicy.js';
export { PluralityVotePolicy } from './agents/baselines/PluralityVotePolicy.js';
export { StackedLogisticPolicy, type StackedLogisticOptions } from './agents/baselines/StackedLogisticPolicy.js';
export { weightsToActions } from './agents/baselines/weightActions.js';
export { resolvePPOConfig, PPO_DEFAULTS, type PPOConfig, type AlgoName } from './algos/PPOConfig.js';
export { OnPolicyAlgorithm, type IterationMetrics, type AlgorithmState, type EnvCopies, type OnPolicyOptions } from './algos/OnPolicyAlgorithm.js';
export { ppoLoss } from './algos/ppoLoss.js';
export type { RolloutCallback } from './algos/RolloutCallback.js';
export { MixingWeightsCallback } from './algos/MixingWeightsCallback.js';
export { makeAlgorithm, type AnyParallelEnv } from './algos/makeAlgorithm.js';
export { Trainer, type TrainerMetrics, type TrainerCallbacks, type TrainerOptions } from './algos/Trainer.js';
export { saveCheckpoint, readCheckpoint, resumeFromCheckpoint, CheckpointError } from './algos/checkpoint.js';
export { evaluatePolicy, type EvaluationResult, type EvaluateOptions } from './algos/evaluatePolicy.js';
export { RolloutBuffer } from './algos/RolloutBuffer.js';
export { computeGae } from './algos/gae.js';
export { ValueNorm } from './algos/ValueNorm.js';
export { jointView, perAgentView, JOINT_LEARNER, type AgentView } from './algos/AgentView.js';
