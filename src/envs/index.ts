// `llm-ensemble-gym/envs`: the envs, their base and registry, wrappers, vectorisation and the ensemble maths they use
// (no tfjs, no onnxruntime: model adapters are passed in). Re-exports only.
export { EnvBase, type AgentSpaces, type StepParts, type ElementOf } from './EnvBase.js';
export {
  defineEnv,
  registerEnv,
  envNames,
  envRegistration,
  resolveEnvConfig,
  makeEnv,
  type EnvRegistration,
  type EnvBuildContext,
  type BuiltEnv,
  type RegisteredEnv,
} from './envRegistry.js';
export { CoordinationGameEnv, resolveCoordinationGameConfig, type CoordinationGameConfig, type ResolvedCoordinationGameConfig } from './CoordinationGameEnv.js';
export {
  toSingleAgent,
  SingleAgentWrapper,
  type SingleAgentEnv,
  type SingleAgentResetResult,
  type SingleAgentStepResult,
  type JointAction,
} from './wrappers/toSingleAgent.js';
export { toAEC, AECWrapper, type AECLast } from './wrappers/toAEC.js';
export { RecordEpisodeStatistics, type EpisodeStatistics, type EpisodeSummary } from './wrappers/RecordEpisodeStatistics.js';
export { UnionVocabulary, completeUtf8Prefix, type PendingBytes } from '../ensemble/UnionVocabulary.js';
export { mixDistributions, mixtureSize, tailIndex, type ModelDistribution } from '../ensemble/mixDistributions.js';
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
} from '../ensemble/actionToWeights.js';
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
} from '../ensemble/scorers.js';
export { focalDiversity } from '../ensemble/focalDiversity.js';
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
} from '../ensemble/diversityMetrics.js';
export {
  fuseAnswer,
  fusedDistribution,
  argmaxWithTies,
  fusionAccuracy,
  bestFixedWeights,
  FUSION_TIE_TOLERANCE,
  FUSION_MODES,
  type FusionMode,
  type FusableItem,
} from '../ensemble/fuseAnswers.js';
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
} from './answerData.js';
export {
  AnswerEnsembleEnv,
  resolveAnswerEnsembleConfig,
  packAnswers,
  type AnswerEnsembleConfig,
  type AnswerFusionOptions,
  type ResolvedAnswerEnsembleConfig,
  type AnswerResetOptions,
  type PackedAnswers,
} from './AnswerEnsembleEnv.js';
export { AnswerFusion, rewardBounds, type AnswerReward, type FusionOutcome } from './AnswerFusion.js';
export { richFeatureDim, type AnswerFeatures } from './ownModelFeatures.js';
export { FocalEnv, resolveFocalEnvConfig, type FocalEnvConfig, type ResolvedFocalEnvConfig, type SubsetStats } from './FocalEnv.js';
export { VectorEnv, type VectorEnvOptions, type AutoresetMode, type VectorResetResult, type VectorStepResult, type AgentBatch } from './VectorEnv.js';
export { WorkerEnv, spaceToJSON, spaceFromJSON, type WorkerEnvSpec, type SpaceJSON, type EnvDescription } from './WorkerEnv.js';
export { type Task, type TaskItem, type AnswerSegment, type SegmentScore, type Split } from '../ensemble/tasks/Task.js';
export {
  sumReverseTask,
  makeSumReverseTask,
  sumReverseItem,
  sumReversePrompt,
  CANONICAL_RULES,
  SUM_REVERSE_SPACE,
  type SumReverseRules,
  type SumReverseQuestion,
} from '../ensemble/tasks/sumReverseTask.js';
export { splitOf, fnv1a, SPLIT_FRACTIONS } from '../ensemble/tasks/splitOf.js';
export {
  EnsembleDecodingEnv,
  type EnsembleDecodingConfig,
  type DecodingItem,
  type DecodingScorer,
  type DecodingActionParam,
  type DecodingResetOptions,
} from './EnsembleDecodingEnv.js';
export { HiddenProjection, type ProjectionMode } from './decoding/HiddenProjection.js';
export { logprobFeatures, LOGPROB_FLOOR, type LogprobSummary } from './decoding/logprobFeatures.js';
export { EnsembleInputError } from '../ensemble/EnsembleInputError.js';
