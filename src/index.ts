// Public API of llm-ensemble-gym: re-exports only.
export { Rng, type RngState } from './core/Rng.js';
export { EnsembleGymError, InvalidActionError, EnvStateError, ConfigError } from './core/errors.js';
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
