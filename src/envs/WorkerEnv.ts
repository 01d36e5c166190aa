import { Worker } from 'node:worker_threads';
import { ConfigError, EnvStateError, InvalidActionError, UnknownAgentError } from '../core/errors.js';
import { errorFromJSON, type ErrorJSON } from './errorJSON.js';
import type { AgentRecord, EnvMetadata, ParallelEnv, ResetOptions, ResetResult, StepResult } from '../core/ParallelEnv.js';
import { Box, Dict, Discrete, MultiBinary, MultiDiscrete, Simplex, type Space } from '../core/spaces.js';

/**
 * How a worker thread builds its env copies: `import(module)[factory](config, index)` must return a
 * ParallelEnv (or a promise of one). `config` crosses the thread boundary by structured clone, so it
 * holds plain data (no functions or class instances).
 */
export interface WorkerEnvSpec {
  /** Absolute path or file URL of the module that exports the factory. */
  readonly module: string;
  /** Name of the exported factory `(config, index) => ParallelEnv | Promise<ParallelEnv>`. */
  readonly factory: string;
  /** Argument passed to the factory (structured-clonable). */
  readonly config?: unknown;
}

/** A space in plain data, so it can cross a thread boundary. */
export type SpaceJSON =
  | { kind: 'Box'; low: number[]; high: number[]; shape: number[] }
  | { kind: 'Discrete'; n: number; start: number }
  | { kind: 'MultiDiscrete'; nvec: number[] }
  | { kind: 'MultiBinary'; n: number }
  | { kind: 'Simplex'; n: number; atol: number }
  | { kind: 'Dict'; spaces: Record<string, SpaceJSON> };

/** Plain-data form of one of the package's spaces (throws for foreign spaces, naming them). */
export function spaceToJSON(space: Space): SpaceJSON {
  if (space instanceof Box) return { kind: 'Box', low: Array.from(space.low), high: Array.from(space.high), shape: [...space.shape] };
  if (space instanceof Discrete) return { kind: 'Discrete', n: space.n, start: space.start };
  if (space instanceof MultiDiscrete) return { kind: 'MultiDiscrete', nvec: Array.from(space.nvec) };
  if (space instanceof MultiBinary) return { kind: 'MultiBinary', n: space.n };
  if (space instanceof Simplex) return { kind: 'Simplex', n: space.n, atol: space.atol };
  if (space instanceof Dict) return { kind: 'Dict', spaces: Object.fromEntries(space.keys.map((k) => [k, spaceToJSON((space as Dict).spaces[k])])) };
  throw new ConfigError(
    'space',
    `${String(space)} is not one of Box, Discrete, MultiDiscrete, MultiBinary, Simplex, Dict`,
    'Envs run in worker threads must use the package spaces.',
  );
}

/** Rebuilds a space from `spaceToJSON`. */
export function spaceFromJSON(j: SpaceJSON): Space {
  switch (j.kind) {
    case 'Box':
      return new Box(j.low, j.high, j.shape);
    case 'Discrete':
      return new Discrete(j.n, j.start);
    case 'MultiDiscrete':
      return new MultiDiscrete(j.nvec);
    case 'MultiBinary':
      return new MultiBinary(j.n);
    case 'Simplex':
      return new Simplex(j.n, j.atol);
    case 'Dict':
      return new Dict(Object.fromEntries(Object.entries(j.spaces).map(([k, s]) => [k, spaceFromJSON(s)])));
  }
}

/** What a worker reports about its env copies (all copies share it). */
export interface EnvDescription {
  readonly possibleAgents: string[];
  readonly metadata: EnvMetadata;
  readonly observationSpaces: Record<string, SpaceJSON>;
  readonly actionSpaces: Record<string, SpaceJSON>;
  /** The global-state Box when the env has one (`HasGlobalState`). */
  readonly stateSpace?: SpaceJSON;
}

interface Pending {
  readonly what: string;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

/** The path (`a.b[2]`) of the first value in `x` that structured clone refuses, or null when all of it clones. */
function uncloneablePath(x: unknown, path: string, depth = 0): string | null {
  try {
    structuredClone(x);
    return null;
  } catch {
    if (depth < 8 && typeof x === 'object' && x !== null) {
      for (const k of Object.keys(x)) {
        const p = uncloneablePath((x as Record<string, unknown>)[k], Array.isArray(x) ? `${path}[${k}]` : `${path}.${k}`, depth + 1);
        if (p !== null) return p;
      }
    }
    return path;
  }
}

/** One worker thread holding several env copies; requests are matched to replies by id. */
class WorkerHost {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private open: number;
  private failure: Error | null = null;
  /** Set once the thread has ended (on its own, by a crash, or terminated). */
  exited = false;

  constructor(copies: number) {
    this.open = copies;
    // The worker entry sits next to this file with the same extension (.ts under tsx, .js when built).
    // Node 20 does not apply --import loader hooks to a worker's entry module, so TypeScript sources
    // register tsx inside the worker first and then import the entry.
    const ts = new URL(import.meta.url).pathname.endsWith('.ts');
    const entry = new URL(`./workerEnvMain${ts ? '.ts' : '.js'}`, import.meta.url).href;
    this.worker = ts
      ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`, {
          eval: true,
        })
      : new Worker(new URL(entry));
    this.worker.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: ErrorJSON }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(errorFromJSON(m.error!));
    });
    // A crash (uncaught error in the thread) rejects the pending calls with that error, its class kept;
    // later calls, and calls pending when the thread exits without one, get an EnvStateError saying so.
    this.worker.on('error', (e) => {
      this.fail(new EnvStateError(`env worker thread crashed (${e.name}: ${e.message}): its env copies are gone; build new ones.`), e);
    });
    this.worker.on('exit', (code) => {
      this.exited = true;
      this.fail(new EnvStateError(`env worker thread exited with code ${code}: its env copies are gone; build new ones.`));
    });
  }

  private fail(later: Error, pendingError?: Error): void {
    this.failure ??= later;
    for (const p of this.pending.values()) {
      p.reject(pendingError ?? new EnvStateError(`env worker thread ended during ${p.what}: ${this.failure.message}`));
    }
    this.pending.clear();
  }

  /**
   * Sends one request and waits for its reply. `what` names the call in errors; a message that cannot
   * be cloned is refused before anything is sent, with `refuse(path)`'s error (path of the first bad value).
   */
  call<T>(op: string, args: Record<string, unknown>, what: string, refuse?: (path: string) => Error): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      try {
        this.worker.postMessage({ id, op, ...args });
      } catch (e) {
        const path = uncloneablePath(args, 'args');
        reject(refuse && path !== null ? refuse(path) : new EnvStateError(`${what} could not be sent to the env worker thread: ${(e as Error).message}`));
        return;
      }
      this.pending.set(id, { what, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  /** Whether the thread is gone (its copies with it). */
  get dead(): boolean {
    return this.failure !== null;
  }

  /** Stops the thread now. */
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  /** Called when one of its copies closes; the thread ends after the last one. */
  async release(): Promise<void> {
    if (--this.open > 0) return;
    if (!this.exited) await this.worker.terminate();
  }
}

/**
 * A ParallelEnv whose copy lives in a worker thread: reset/step/close are forwarded, spaces are
 * rebuilt from their plain-data form, and `agents` (and the global state, when the env has one)
 * follow the worker's answers. Errors arrive as the same classes (the package's typed errors with
 * their fields, built-in ones such as TypeError as themselves). A thread that ends mid-call rejects
 * the call with an EnvStateError; `close()` then still resolves.
 */
export class WorkerEnv implements ParallelEnv<unknown, unknown, string> {
  readonly possibleAgents: readonly string[];
  readonly metadata: EnvMetadata;
  /** The remote env's global-state space; present only when it has one, so `hasGlobalState` tells. */
  readonly stateSpace?: Box;
  /** The remote env's global state as of the last reply; present only when it has one. */
  readonly state?: () => Float32Array;
  private lastState: Float32Array | null = null;
  private readonly obsSpaces: Record<string, Space>;
  private readonly actSpaces: Record<string, Space>;
  private live: readonly string[] = [];
  private closed = false;

  private constructor(
    private readonly host: WorkerHost,
    private readonly copy: number,
    d: EnvDescription,
  ) {
    this.possibleAgents = d.possibleAgents;
    this.metadata = d.metadata;
    this.obsSpaces = Object.fromEntries(Object.entries(d.observationSpaces).map(([a, s]) => [a, spaceFromJSON(s)]));
    this.actSpaces = Object.fromEntries(Object.entries(d.actionSpaces).map(([a, s]) => [a, spaceFromJSON(s)]));
    if (d.stateSpace) {
      this.stateSpace = spaceFromJSON(d.stateSpace) as Box;
      this.state = () => {
        if (this.lastState === null) throw new EnvStateError('state() called before reset(): call reset({seed}) first.');
        return this.lastState.slice();
      };
    }
  }

  /** Starts `threads` worker threads holding `numEnvs` copies between them (copy e in thread e mod threads). */
  static async spawn(spec: WorkerEnvSpec, numEnvs: number, threads: number): Promise<WorkerEnv[]> {
    if (!Number.isInteger(threads) || threads < 1)
      throw new ConfigError('threads', `must be a positive integer, got ${threads}`, 'Use about one thread per free CPU core.');
    if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new ConfigError('numEnvs', `must be a positive integer, got ${numEnvs}`, 'Set numEnvs to 1 or more.');
    const t = Math.min(threads, numEnvs);
    const hosts = Array.from({ length: t }, (_, h) => new WorkerHost(Math.ceil((numEnvs - h) / t)));
    const envs: WorkerEnv[] = [];
    try {
      for (let e = 0; e < numEnvs; e++) {
        const host = hosts[e % t];
        const d = await host.call<EnvDescription>(
          'create',
          { copy: e, spec },
          `creating env copy ${e}`,
          (path) =>
            new ConfigError(
              path.replace(/^args\.spec/, 'spec'),
              'cannot be sent to a worker thread (not structured-cloneable: a function, symbol or class instance)',
              'Pass the module path, the factory name and a plain-data config.',
            ),
        );
        envs.push(new WorkerEnv(host, e, d));
      }
    } catch (err) {
      // A copy that cannot be built: stop every thread so none keeps the process alive.
      await Promise.all(hosts.map((h) => h.terminate()));
      throw err;
    }
    return envs;
  }

  /** Live agents as of the last reply from the worker. */
  get agents(): readonly string[] {
    return this.live;
  }

  /** The copy's observation space of `agent`. */
  observationSpace(agent: string): Space {
    const s = Object.hasOwn(this.obsSpaces, agent) ? this.obsSpaces[agent] : undefined;
    if (!s) throw new UnknownAgentError(agent, this.possibleAgents);
    return s;
  }

  /** The copy's action space of `agent`. */
  actionSpace(agent: string): Space {
    const s = Object.hasOwn(this.actSpaces, agent) ? this.actSpaces[agent] : undefined;
    if (!s) throw new UnknownAgentError(agent, this.possibleAgents);
    return s;
  }

  /** Forwards `reset` to the copy in its worker. */
  async reset(opts: ResetOptions = {}): Promise<ResetResult<unknown, string>> {
    if (this.closed) throw new EnvStateError('reset() called after close(): create a new env.');
    const r = await this.host.call<{ result: ResetResult<unknown, string>; agents: string[]; state: Float32Array | null }>(
      'reset',
      { copy: this.copy, opts },
      `reset() of copy ${this.copy}`,
      (path) =>
        new ConfigError(
          path.replace(/^args\.opts\./, ''),
          'cannot be sent to the env worker thread (not structured-cloneable: a function, symbol or class instance)',
          'Pass plain data (numbers, strings, arrays, plain objects, typed arrays) in reset options of envs run in worker threads.',
        ),
    );
    this.live = r.agents;
    this.lastState = r.state;
    return r.result;
  }

  /** Forwards `step` to the copy in its worker. */
  async step(actions: AgentRecord<string, unknown>): Promise<StepResult<unknown, string>> {
    if (this.closed) throw new EnvStateError('step() called after close(): create a new env.');
    const r = await this.host.call<{ result: StepResult<unknown, string>; agents: string[]; state: Float32Array | null }>(
      'step',
      { copy: this.copy, actions },
      `step() of copy ${this.copy}`,
      (path) => {
        const agent = /^args\.actions\.([^.[]+)/.exec(path)?.[1] ?? '(all)';
        const value = agent === '(all)' ? actions : (actions as Record<string, unknown>)[agent];
        return new InvalidActionError(
          agent,
          value,
          Object.hasOwn(this.actSpaces, agent) ? String(this.actSpaces[agent]) : 'a structured-cloneable action',
          `${path.replace(/^args\./, '')} cannot be sent to the env worker thread (not structured-cloneable); pass numbers or typed arrays.`,
        );
      },
    );
    this.live = r.agents;
    this.lastState = r.state;
    return r.result;
  }

  /** Closes the copy; the worker thread ends with its last copy. Calling it twice is harmless. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.live = [];
    try {
      // A thread that has ended took the copy with it: nothing is left to close.
      if (!this.host.dead) await this.host.call('close', { copy: this.copy }, `close() of copy ${this.copy}`);
    } catch (e) {
      if (!this.host.dead) throw e;
    } finally {
      await this.host.release();
    }
  }
}
