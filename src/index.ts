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
