import type { HasGlobalState, ParallelEnv } from '../core/ParallelEnv.js';
import type { VectorEnv } from '../envs/VectorEnv.js';
import { OnPolicyAlgorithm, type EnvCopies, type OnPolicyOptions } from './OnPolicyAlgorithm.js';
import { resolvePPOConfig, type PPOConfig } from './PPOConfig.js';

/** Any env whose agents' observations and actions the algorithms can flatten. */
export type AnyParallelEnv = ParallelEnv<any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * PPO, IPPO or MAPPO for `envs` from one config field (`algo`, default 'mappo'). MAPPO's centralized
 * critic reads `env.state()`, so its overload requires `HasGlobalState`; 'ppo' and 'ippo' take any env.
 * `envs` may also be a `VectorEnv` (e.g. `VectorEnv.inWorkers(...)`) created with `{ autoreset: 'disabled' }`;
 * its global state is checked at runtime.
 */
export function makeAlgorithm(
  envs: EnvCopies<AnyParallelEnv> | VectorEnv<string>,
  config: Partial<PPOConfig> & { readonly algo: 'ppo' | 'ippo' },
  options?: OnPolicyOptions,
): OnPolicyAlgorithm;
export function makeAlgorithm(
  envs: EnvCopies<AnyParallelEnv & HasGlobalState> | VectorEnv<string>,
  config?: Partial<PPOConfig>,
  options?: OnPolicyOptions,
): OnPolicyAlgorithm;
export function makeAlgorithm(
  envs: EnvCopies<AnyParallelEnv> | VectorEnv<string>,
  config: Partial<PPOConfig> = {},
  options: OnPolicyOptions = {},
): OnPolicyAlgorithm {
  return new OnPolicyAlgorithm(envs as EnvCopies<ParallelEnv<unknown, unknown>> | VectorEnv<string>, resolvePPOConfig(config), options);
}
