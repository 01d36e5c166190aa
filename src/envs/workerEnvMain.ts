// Entry of an env worker thread (started by WorkerEnv.spawn): builds env copies from a WorkerEnvSpec
// and answers create / reset / step / close requests for them, one reply per request id.
import { parentPort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { ConfigError, EnsembleGymError } from '../core/errors.js';
import { hasGlobalState, type ParallelEnv } from '../core/ParallelEnv.js';
import { errorToJSON } from './errorJSON.js';
import { spaceToJSON, type EnvDescription, type WorkerEnvSpec } from './WorkerEnv.js';

type Env = ParallelEnv<unknown, unknown, string>;
interface Request {
  id: number;
  op: 'create' | 'reset' | 'step' | 'close';
  copy: number;
  spec?: WorkerEnvSpec;
  opts?: object;
  actions?: Record<string, unknown>;
}

const envs = new Map<number, Env>();

/** The env's global state after a call (sent with every reply, so the main thread can answer state() synchronously). */
function stateOf(env: Env): Float32Array | null {
  return hasGlobalState(env) ? env.state() : null;
}

function envOf(copy: number): Env {
  const env = envs.get(copy);
  if (!env) throw new EnsembleGymError(`no env copy ${copy} in this worker thread (it was closed or never created).`);
  return env;
}

async function handle(m: Request): Promise<unknown> {
  switch (m.op) {
    case 'create': {
      const spec = m.spec!;
      if (typeof spec?.module !== 'string' || spec.module === '')
        throw new ConfigError(
          'spec.module',
          `is ${JSON.stringify(spec?.module)}`,
          'Pass the absolute path or file URL of the module that exports the env factory.',
        );
      if (typeof spec.factory !== 'string' || spec.factory === '')
        throw new ConfigError('spec.factory', `is ${JSON.stringify(spec.factory)}`, 'Pass the name of the exported factory function.');
      let mod: Record<string, unknown>;
      try {
        const url = spec.module.startsWith('file:') ? spec.module : pathToFileURL(spec.module).href;
        mod = (await import(url)) as Record<string, unknown>;
      } catch (e) {
        throw new ConfigError(
          'spec.module',
          `${spec.module} cannot be imported (${(e as Error).message.split('\n')[0]})`,
          'Pass the absolute path or file URL of an existing module that exports the env factory.',
        );
      }
      const factory = Object.hasOwn(mod, spec.factory) ? mod[spec.factory] : undefined;
      if (typeof factory !== 'function')
        throw new ConfigError(
          'spec.factory',
          `${spec.module} has no exported function "${spec.factory}" (exports: ${Object.keys(mod).join(', ') || 'none'})`,
          `Export a function (config, index) => ParallelEnv named "${spec.factory}", or pass the name of one.`,
        );
      const env = (await (factory as (c: unknown, i: number) => Env | Promise<Env>)(spec.config, m.copy)) as Env;
      if (
        typeof env !== 'object' ||
        env === null ||
        !Array.isArray(env.possibleAgents as unknown) ||
        typeof env.step !== 'function' ||
        typeof env.reset !== 'function'
      ) {
        throw new ConfigError(
          'spec.factory',
          `"${spec.factory}" of ${spec.module} returned ${env === null ? 'null' : typeof env}, not a ParallelEnv`,
          'Return an env (possibleAgents, reset, step, close, spaces) from the factory.',
        );
      }
      envs.set(m.copy, env);
      const agents = env.possibleAgents;
      const d: EnvDescription = {
        possibleAgents: [...agents],
        metadata: env.metadata,
        observationSpaces: Object.fromEntries(agents.map((a) => [a, spaceToJSON(env.observationSpace(a))])),
        actionSpaces: Object.fromEntries(agents.map((a) => [a, spaceToJSON(env.actionSpace(a))])),
        stateSpace: hasGlobalState(env) ? spaceToJSON(env.stateSpace) : undefined,
      };
      return d;
    }
    case 'reset': {
      const env = envOf(m.copy);
      const result = await env.reset(m.opts);
      return { result, agents: [...env.agents], state: stateOf(env) };
    }
    case 'step': {
      const env = envOf(m.copy);
      const result = await env.step(m.actions ?? {});
      return { result, agents: [...env.agents], state: stateOf(env) };
    }
    case 'close': {
      await envOf(m.copy).close();
      envs.delete(m.copy);
      return null;
    }
  }
}

parentPort!.on('message', (m: Request) => {
  handle(m).then(
    (value) => {
      try {
        parentPort!.postMessage({ id: m.id, ok: true, value });
      } catch (e) {
        const err = new EnsembleGymError(
          `the env's ${m.op} result cannot be sent to the main thread (${(e as Error).message}): observations, rewards and infos of envs run in worker threads must be plain data.`,
        );
        parentPort!.postMessage({ id: m.id, ok: false, error: errorToJSON(err) });
      }
    },
    (e: unknown) => parentPort!.postMessage({ id: m.id, ok: false, error: errorToJSON(e) }),
  );
});
