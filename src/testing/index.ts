// `llm-ensemble-gym/testing`: the env checker and the ModelAdapter contract suite (which registers node:test tests). Re-exports only.
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
} from '../core/checkParallelEnv.js';
export { exportAdapterContractTests, type AdapterContractOptions } from '../models/contract/exportAdapterContractTests.js';
