// `llm-ensemble-gym/algos`: policies (tfjs), baselines, PPO / IPPO / MAPPO, training, evaluation, checkpoints, backend choice. Re-exports only.
export { initBackend, currentBackend, BACKEND_ORDER, type BackendName, type BackendReport } from '../backend/initBackend.js';
export { type Policy, type ActorCriticPolicy, type ActResult, type ActOptions, type PolicyState } from '../agents/Policy.js';
export { ActionHead, HEAD_MIN_CONCENTRATION, type HeadNode, type HeadKind, type SimplexHead } from '../agents/ActionHead.js';
export { MlpActorCritic, type MlpActorCriticSpec, type ActorCriticGroupSpec } from '../agents/MlpActorCritic.js';
export { exportPolicyOnnx, buildPolicyOnnx, OnnxPolicy, ONNX_POLICY_IO } from '../agents/exportPolicyOnnx.js';
export {
  FixedWeightsPolicy,
  gridSearchWeights,
  bestSingleModel,
  simplexGrid,
  type FixedWeightsOptions,
  type GridSearchOptions,
} from '../agents/baselines/FixedWeightsPolicy.js';
export { PluralityVotePolicy } from '../agents/baselines/PluralityVotePolicy.js';
export { StackedLogisticPolicy, type StackedLogisticOptions } from '../agents/baselines/StackedLogisticPolicy.js';
export { weightsToActions } from '../agents/baselines/weightActions.js';
export { resolvePPOConfig, PPO_DEFAULTS, type PPOConfig, type AlgoName } from './PPOConfig.js';
export { OnPolicyAlgorithm, type IterationMetrics, type AlgorithmState, type EnvCopies, type OnPolicyOptions } from './OnPolicyAlgorithm.js';
export { ppoLoss } from './ppoLoss.js';
export type { RolloutCallback } from './RolloutCallback.js';
export { MixingWeightsCallback } from './MixingWeightsCallback.js';
export { makeAlgorithm, type AnyParallelEnv } from './makeAlgorithm.js';
export { Trainer, type TrainerMetrics, type TrainerCallbacks, type TrainerOptions } from './Trainer.js';
export { saveCheckpoint, readCheckpoint, resumeFromCheckpoint, CheckpointError } from './checkpoint.js';
export { evaluatePolicy, type EvaluationResult, type EvaluateOptions } from './evaluatePolicy.js';
export { RolloutBuffer } from './RolloutBuffer.js';
export { computeGae } from './gae.js';
export { ValueNorm, type ValueNormMode, type ValueNormOptions, type ValueNormState } from './ValueNorm.js';
export { jointView, perAgentView, JOINT_LEARNER, type AgentView } from './AgentView.js';
