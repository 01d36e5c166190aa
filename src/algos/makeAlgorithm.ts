import type { HasGlobalState, ParallelEnv } from '../core/ParallelEnv.js';
import { OnPolicyAlgorithm, type EnvCopies } from './OnPolicyAlgorithm.js';
import { resolvePPOConfig, type PPOConfig } from './PPOConfig.js';

/** Any env whose agents' observations and actions the algorithms can flatten. */
export type AnyParallelEnv = ParallelEnv<any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * PPO, IPPO or MAPPO for `envs` from one config field (`algo`, default 'mappo'). MAPPO's centralized
 * critic reads `env.state()`, so its overload requires `HasGlobalState`; 'ppo' and 'ippo' take any env.
 */
export function makeAlgorithm(envs: EnvCopies<AnyParallelEnv>, config: Partial<PPOConfig> & { readonly algo: 'ppo' | 'ippo' }): OnPolicyAlgorithm;
export function makeAlgorithm(envs: EnvCopies<AnyParallelEnv & HasGlobalState>, config?: Partial<PPOConfig>): OnPolicyAlgorithm;
export function makeAlgorithm(envs: EnvCopies<AnyParallelEnv>, config: Partial<PPOConfig> = {}): OnPolicyAlgorithm {
  return new OnPolicyAlgorithm(envs as EnvCopies<ParallelEnv<unknown, unknown>>, resolvePPOConfig(config));
}
