// Entry of an env worker thread (started by WorkerEnv.spawn): builds env copies from a WorkerEnvSpec
// and answers create / reset / step / close requests for them, one reply per request id.
import { parentPort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { hasGlobalState, type ParallelEnv } from '../core/ParallelEnv.js';
import { spaceToJSON, type EnvDescription, type ErrorJSON, type WorkerEnvSpec } from './WorkerEnv.js';

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

/** Plain-data form of a thrown value, keeping the fields of typed errors. */
function errorJSON(e: unknown): ErrorJSON {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const x = e as Error & { agent?: string; value?: unknown; space?: string; hint?: string };
  let value: unknown = x.value;
  try {
    structuredClone(value);
  } catch {
    value = String(value);
  }
  return { name: x.name, message: x.message, agent: x.agent, value, space: x.space, hint: x.hint };
}

/** The env's global state after a call (sent with every reply, so the main thread can answer state() synchronously). */
function stateOf(env: Env): Float32Array | null {
  return hasGlobalState(env) ? env.state() : null;
}

function envOf(copy: number): Env {
  const env = envs.get(copy);
  if (!env) throw new Error(`no env copy ${copy} in this worker`);
  return env;
}

async function handle(m: Request): Promise<unknown> {
  switch (m.op) {
    case 'create': {
      const spec = m.spec!;
      const url = spec.module.startsWith('file:') ? spec.module : pathToFileURL(spec.module).href;
      const mod = (await import(url)) as Record<string, unknown>;
      const factory = mod[spec.factory];
      if (typeof factory !== 'function') throw new Error(`${spec.module} has no exported function "${spec.factory}" (exports: ${Object.keys(mod).join(', ')})`);
      const env = (await (factory as (c: unknown, i: number) => Env | Promise<Env>)(spec.config, m.copy)) as Env;
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
    (value) => parentPort!.postMessage({ id: m.id, ok: true, value }),
    (e: unknown) => parentPort!.postMessage({ id: m.id, ok: false, error: errorJSON(e) }),
  );
});
