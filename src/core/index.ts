// `llm-ensemble-gym/core`: spaces, the ParallelEnv API, seeding, errors and the env checker (no tfjs, no onnxruntime). Re-exports only.
export { Rng, type RngState } from './Rng.js';
export { EnsembleGymError, InvalidActionError, EnvStateError, ConfigError, SpaceDefinitionError, UnknownAgentError } from './errors.js';
export { Box, Discrete, MultiDiscrete, MultiBinary, Simplex, Dict, type Space, type Vector } from './spaces.js';
export { flattenSpace, flatBounds } from './spaces.js';
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
} from './ParallelEnv.js';
export { batchify, unbatchify, type SpaceOf } from './batchify.js';
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
} from './checkParallelEnv.js';
export { readJsonl, parseJsonl, truncateTornTail, JsonlError, type ReadJsonlOptions, type JsonlContent } from './readJsonl.js';
