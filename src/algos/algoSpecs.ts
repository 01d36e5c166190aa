import { jointView, perAgentView, type AgentView, type EnvSpaces } from './AgentView.js';
import type { AlgoName } from './PPOConfig.js';

/** What tells PPO, IPPO and MAPPO apart: how env agents map to learners, and what the critic reads. */
export interface AlgoSpec {
  /** The learners' view of the env: one joint learner (PPO) or one learner per agent (IPPO, MAPPO). */
  readonly view: (env: EnvSpaces) => AgentView;
  /** The critic's input: the learner's own observation, or the env's global state (`HasGlobalState`). */
  readonly critic: 'observation' | 'state';
}

/** The on-policy algorithms as one table; everything else (rollout, GAE, loss, update) is shared. */
export const ALGO_SPECS: Readonly<Record<AlgoName, AlgoSpec>> = Object.freeze({
  // RLAE-PPO: one agent over the joint action, critic on the concatenated observations
  ppo: { view: jointView, critic: 'observation' },
  // independent learners on local observations
  ippo: { view: perAgentView, critic: 'observation' },
  // decentralised actors, centralised critic on env.state()
  mappo: { view: perAgentView, critic: 'state' },
});
