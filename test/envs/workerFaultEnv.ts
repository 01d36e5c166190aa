// Env factory for WorkerEnv tests: a CoordinationGameEnv whose `step` misbehaves as `config.fault` says
// (exit the thread with code 0 or 3, throw a TypeError or a ConfigError, return an uncloneable info).
import { ConfigError } from '../../src/core/errors.js';
import type { AgentRecord } from '../../src/core/ParallelEnv.js';
import { CoordinationGameEnv } from '../../src/envs/CoordinationGameEnv.js';

/** What goes wrong in `step`. */
export type Fault = 'exit0' | 'exit3' | 'type-error' | 'config-error' | 'uncloneable-info' | 'none';

/** A 2-agent coordination game whose step fails with `fault`. */
export function faultyEnv(config: { fault: Fault }): CoordinationGameEnv {
  const env = new CoordinationGameEnv({ nAgents: 2 });
  const step = env.step.bind(env);
  env.step = async (actions: AgentRecord<string, Float32Array>) => {
    switch (config.fault) {
      case 'exit0':
        process.exit(0);
        break;
      case 'exit3':
        process.exit(3);
        break;
      case 'type-error':
        void (undefined as unknown as { x: number }).x;
        break;
      case 'config-error':
        throw new ConfigError('fault.field', 'is wrong on purpose', 'Set it right.');
      case 'uncloneable-info': {
        const r = await step(actions);
        return { ...r, infos: { ...r.infos, agent_0: { f: () => 1 } } };
      }
    }
    return step(actions);
  };
  return env;
}
