import { ConfigError, EnsembleGymError, EnvStateError, InvalidActionError, UnknownAgentError, preview } from '../core/errors.js';
import { nullRecord } from '../core/nullRecord.js';
import { hasGlobalState, type AgentRecord, type EnvMetadata, type HasGlobalState, type Info, type ParallelEnv } from '../core/ParallelEnv.js';
import type { Box, Space } from '../core/spaces.js';
import { availableParallelism } from 'node:os';
import { EnvBase, stepChecked } from './EnvBase.js';
import { spaceToJSON, WorkerEnv, type WorkerEnvSpec } from './WorkerEnv.js';

/** Gymnasium 1.0 autoreset modes a `VectorEnv` can run in. */
export type AutoresetMode = 'next-step' | 'same-step' | 'disabled';

/** Options of `VectorEnv` (defaults in brackets). */
export interface VectorEnvOptions {
  /**
   * `'same-step'`: a copy whose episode ends is reset inside the same `step`; the row holds the new
   * episode's first observation, `infos[e]` the reset's infos, and `finalObservations[e]` /
   * `finalInfos[e]` what the ending step returned (Gymnasium's `final_obs` / `final_info`).
   * `'next-step'`: the row holds the final observation; the next `step` ignores that copy's actions,
   * resets it and returns its first observation with reward 0 and both flags false.
   * `'disabled'`: a copy whose episode ends stays ended (its rows are ignored, reward 0, `active` 0)
   * until `reset({ mask })` resets it, with the seed the caller chooses (what an algorithm that seeds
   * every episode, and replays episodes on resume, needs).
   * ['same-step': one-question episodes would otherwise spend every other step resetting]
   */
  readonly autoreset?: AutoresetMode;
}

/** Per-agent batch: row e (numEnvs rows of the agent's flat width) belongs to copy e. */
export type AgentBatch<Agent extends string, X> = AgentRecord<Agent, X>;

/** Options of `VectorEnv.reset`. */
export interface VectorResetOptions {
  /** One seed (copy e gets `seed + e`) or one seed per copy. */
  readonly seed?: number | readonly number[];
  readonly options?: Record<string, unknown>;
  /** Reset only copies whose entry is truthy (Gymnasium's `reset_mask`); other rows come back zero with `active` 0. */
  readonly mask?: ArrayLike<number | boolean>;
}

/** Options of `VectorEnv.step`. */
export interface VectorStepOptions {
  /** Step only copies whose entry is truthy; the others are left as they are (rows zero, `active` 0). */
  readonly mask?: ArrayLike<number | boolean>;
}

/** What `VectorEnv.reset` returns. */
export interface VectorResetResult<Agent extends string> {
  /** `observations[agent]`: numEnvs × observationSpace(agent).flatDim, zeros where the agent is not live. */
  readonly observations: AgentBatch<Agent, Float32Array>;
  /** `active[agent][e]` is 1 when the agent is live in copy e (its action in the next step is used). */
  readonly active: AgentBatch<Agent, Uint8Array>;
  /** `infos[e]`: copy e's infos record. */
  readonly infos: AgentRecord<Agent, Info>[];
}

/** What `VectorEnv.step` returns. */
export interface VectorStepResult<Agent extends string> extends VectorResetResult<Agent> {
  readonly rewards: AgentBatch<Agent, Float32Array>;
  readonly terminations: AgentBatch<Agent, Uint8Array>;
  readonly truncations: AgentBatch<Agent, Uint8Array>;
  /** Same-step autoreset: copy e's final observations when its episode ended in this step, else null. */
  readonly finalObservations: (AgentRecord<Agent, unknown> | null)[];
  /** Same-step autoreset: copy e's infos of the final step when its episode ended in this step, else null. */
  readonly finalInfos: (AgentRecord<Agent, Info> | null)[];
}

/**
 * N copies of a ParallelEnv stepped as one batch, with Gymnasium 1.0 autoreset. Observations,
 * rewards and done flags come back as flat per-agent arrays (row e = copy e), actions go in the same
 * way (row e of `actions[agent]`, unflattened with the agent's action space). Every used row is
 * checked (finite, in the agent's space) before any copy steps, so an invalid batch leaves all
 * copies unchanged. `reset({ seed })` seeds copy e with `seed + e`. Copies live on this thread and
 * are advanced concurrently (independent copies, so results do not depend on timing), or in worker
 * threads with `VectorEnv.inWorkers`. All copies must have the same agents and spaces (checked when
 * the batch is built). Agent names are plain keys (`__proto__` and `constructor` included). Every
 * result's arrays are its own (views of one buffer per result) and are never written after it is
 * returned, so a caller may keep them across steps.
 */
export class VectorEnv<Agent extends string = string> {
  readonly numEnvs: number;
  readonly possibleAgents: readonly Agent[];
  readonly metadata: EnvMetadata;
  private readonly envs: ParallelEnv<unknown, unknown, Agent>[];
  // Maps: agent names are arbitrary strings (`__proto__`, `constructor`).
  private readonly obsDims = new Map<Agent, number>();
  private readonly actDims = new Map<Agent, number>();
  private readonly obsSpaces = new Map<Agent, Space>();
  private readonly actSpaces = new Map<Agent, Space>();
  private readonly roundTripRows = new Map<Agent, Float32Array>();
  private readonly needsReset: Uint8Array;
  private readonly mode: AutoresetMode;
  /** The copies' global-state space, or null when the copies have no global state (`HasGlobalState`). */
  readonly stateSpace: Box | null;
  private started = false;
  private closed = false;
  private layout: ResultLayout | null = null;

  /** Batches `envs` (at least one, same agents and spaces); see `VectorEnvOptions`. */
  constructor(envs: readonly ParallelEnv<unknown, unknown, Agent>[], opts: VectorEnvOptions = {}) {
    if (envs.length === 0) throw new ConfigError('envs', 'no env given', 'Pass at least one env copy.');
    const autoreset = opts.autoreset ?? 'same-step';
    if (autoreset !== 'next-step' && autoreset !== 'same-step' && autoreset !== 'disabled')
      throw new ConfigError('autoreset', `unknown mode ${JSON.stringify(autoreset)}`, "Use 'same-step', 'next-step' or 'disabled'.");
    this.envs = [...envs];
    this.numEnvs = envs.length;
    const first = envs[0];
    this.possibleAgents = [...first.possibleAgents];
    envs.forEach((e, i) => {
      if (e.possibleAgents.join('\u0000') !== this.possibleAgents.join('\u0000')) {
        throw new ConfigError(
          'envs',
          `copy ${i} has agents [${e.possibleAgents.join(', ')}], copy 0 has [${this.possibleAgents.join(', ')}]`,
          'Build every copy from the same config.',
        );
      }
    });
    for (const a of this.possibleAgents) {
      const obs = first.observationSpace(a) as Space;
      const act = first.actionSpace(a) as Space;
      this.obsSpaces.set(a, obs);
      this.actSpaces.set(a, act);
      this.obsDims.set(a, obs.flatDim);
      this.actDims.set(a, act.flatDim);
      // Rows have copy 0's layout: a copy with other spaces would be cut or padded silently.
      envs.forEach((env, i) => {
        if (i === 0) return;
        sameSpace(i, `observation space of agent "${a}"`, env.observationSpace(a) as Space, obs);
        sameSpace(i, `action space of agent "${a}"`, env.actionSpace(a) as Space, act);
      });
    }
    this.needsReset = new Uint8Array(this.numEnvs);
    this.stateSpace = envs.every((e) => hasGlobalState(e)) ? (first as unknown as HasGlobalState).stateSpace : null;
    if (this.stateSpace !== null)
      envs.forEach((env, i) => i > 0 && sameSpace(i, 'global state space', (env as unknown as HasGlobalState).stateSpace, this.stateSpace as Box));
    this.mode = autoreset;
    // metadata speaks the env vocabulary, where a vector that never resets by itself is 'none'
    this.metadata = {
      ...first.metadata,
      name: `Vector(${first.metadata.name})`,
      autoreset: autoreset === 'disabled' ? 'none' : autoreset,
      numEnvs: this.numEnvs,
    };
  }

  /** Builds `numEnvs` copies with `make(index)` and batches them. */
  static async create<Agent extends string>(
    make: (index: number) => ParallelEnv<unknown, unknown, Agent> | Promise<ParallelEnv<unknown, unknown, Agent>>,
    numEnvs: number,
    opts: VectorEnvOptions = {},
  ): Promise<VectorEnv<Agent>> {
    if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new ConfigError('numEnvs', `must be a positive integer, got ${numEnvs}`, 'Set numEnvs to 1 or more.');
    const envs: ParallelEnv<unknown, unknown, Agent>[] = [];
    for (let i = 0; i < numEnvs; i++) envs.push(await make(i));
    return new VectorEnv(envs, opts);
  }

  /**
   * Runs the copies in `threads` worker threads (copy e in thread e mod threads), built there by
   * `spec` (a module path, an exported factory and a plain-data config). Worth it when a step is
   * expensive (model forward passes); for cheap envs the message passing costs more than it saves.
   */
  static async inWorkers(spec: WorkerEnvSpec, numEnvs: number, opts: VectorEnvOptions & { threads?: number } = {}): Promise<VectorEnv<string>> {
    const envs = await WorkerEnv.spawn(spec, numEnvs, opts.threads ?? Math.max(1, availableParallelism() - 1));
    try {
      return new VectorEnv<string>(envs, opts);
    } catch (e) {
      for (const env of envs) await env.close();
      throw e;
    }
  }

  /** The autoreset mode (also in `metadata.autoreset`, where 'disabled' reads 'none'). */
  get autoreset(): AutoresetMode {
    return this.mode;
  }

  /** The single-copy observation space of `agent` (rows of the batch). */
  observationSpace(agent: Agent): Space {
    return this.obsSpaces.get(agent) ?? this.unknownAgent(agent);
  }

  /** The single-copy action space of `agent` (rows of the action batch). */
  actionSpace(agent: Agent): Space {
    return this.actSpaces.get(agent) ?? this.unknownAgent(agent);
  }

  /** Every copy's global state, row e = copy e (numEnvs × stateSpace.flatDim), matching the rows of the last result. */
  states(): Float32Array {
    if (this.closed) throw new EnvStateError('states() called after close(): create a new VectorEnv.');
    if (this.stateSpace === null) throw new EnvStateError('states(): the env copies have no global state (they do not implement HasGlobalState).');
    if (!this.started) throw new EnvStateError('states() called before reset(): call reset({seed}) first.');
    const dim = this.stateSpace.flatDim;
    const out = new Float32Array(this.numEnvs * dim);
    this.envs.forEach((env, e) => out.set((env as unknown as HasGlobalState).state(), e * dim));
    return out;
  }

  private unknownAgent(agent: string): never {
    throw new UnknownAgentError(agent, this.possibleAgents);
  }

  /**
   * Resets every copy, or those in `mask` (copy e with `seed + e`, or `seed[e]` for a list). Seeds must
   * be integers such that every copy's seed is exact (a safe integer), or copies would share seeds;
   * anything else is a ConfigError naming `seed` and the range, and changes nothing.
   */
  async reset(opts: VectorResetOptions = {}): Promise<VectorResetResult<Agent>> {
    if (this.closed) throw new EnvStateError('reset() called after close(): create a new VectorEnv.');
    const { seed, mask } = opts ?? {};
    if (Array.isArray(seed) && seed.length !== this.numEnvs)
      throw new ConfigError('seed', `has ${seed.length} entries for ${this.numEnvs} copies`, 'Pass one seed, or one per copy.');
    if (Array.isArray(seed)) {
      const bad = seed.findIndex((x) => !(typeof x === 'number' && Number.isSafeInteger(x)));
      if (bad !== -1)
        throw new ConfigError(
          `seed[${bad}]`,
          `${preview(seed[bad])} is not an integer in [${-Number.MAX_SAFE_INTEGER}, ${Number.MAX_SAFE_INTEGER}]`,
          'Pass integer seeds, one per copy.',
        );
    } else if (seed !== undefined && !(typeof seed === 'number' && Number.isSafeInteger(seed) && Number.isSafeInteger(seed + (this.numEnvs - 1)))) {
      throw new ConfigError(
        'seed',
        `${preview(seed)} is not an integer in [${-Number.MAX_SAFE_INTEGER}, ${Number.MAX_SAFE_INTEGER - this.numEnvs + 1}]`,
        `Pass an integer seed; copy e is seeded with seed + e, which must stay exact so the ${this.numEnvs} copies differ.`,
      );
    }
    if (mask !== undefined && mask.length !== this.numEnvs)
      throw new ConfigError('mask', `has ${mask.length} entries for ${this.numEnvs} copies`, 'Pass one entry per copy.');
    if (mask !== undefined && !this.started && !Array.from(mask).every(Boolean))
      throw new EnvStateError('reset({ mask }) before a full reset(): reset every copy first.');
    const seedOf = (e: number): number | undefined => (seed === undefined ? undefined : typeof seed === 'number' ? seed + e : (seed as readonly number[])[e]);
    const out = this.allocate(false);
    await Promise.all(
      this.envs.map(async (env, e) => {
        if (mask !== undefined && !mask[e]) return;
        const s = seedOf(e);
        const r = await env.reset(s === undefined ? { options: opts.options } : { seed: s, options: opts.options });
        this.write(out, e, r.observations as Partial<AgentRecord<Agent, unknown>>, env.agents);
        out.infos[e] = r.infos;
        this.needsReset[e] = 0;
      }),
    );
    this.started = true;
    return out;
  }

  /** Steps every copy with its row of `actions` (rows of agents that are not live are ignored), autoresetting ended copies. */
  async step(actions: AgentBatch<Agent, Float32Array>, opts: VectorStepOptions = {}): Promise<VectorStepResult<Agent>> {
    if (this.closed) throw new EnvStateError('step() called after close(): create a new VectorEnv.');
    if (!this.started) throw new EnvStateError('step() called before reset(): call reset({seed}) first.');
    if (typeof actions !== 'object' || actions === null || Array.isArray(actions) || ArrayBuffer.isView(actions)) {
      throw new InvalidActionError(
        '(all)',
        actions,
        `a record of ${this.numEnvs}-row batches`,
        `Pass { agent: Float32Array } for the agents ${this.possibleAgents.join(', ')}.`,
      );
    }
    for (const k of Object.keys(actions)) {
      if (!this.actSpaces.has(k as Agent)) {
        throw new InvalidActionError(
          k,
          (actions as Record<string, unknown>)[k],
          `agents [${this.possibleAgents.join(', ')}]`,
          `"${k}" is not an agent of this env; pass rows only for its agents.`,
        );
      }
    }
    for (const a of this.possibleAgents) {
      const x = Object.hasOwn(actions, a) ? actions[a] : undefined;
      const dim = this.actDims.get(a)!;
      const want = this.numEnvs * dim;
      if (!(x instanceof Float32Array) || x.length !== want) {
        throw new InvalidActionError(
          a,
          x,
          `${this.numEnvs} rows of ${this.actionSpace(a)}`,
          `Pass a Float32Array of ${this.numEnvs} x ${dim} = ${want} numbers (row e = copy e).`,
        );
      }
    }
    const { mask } = opts;
    if (mask !== undefined && mask.length !== this.numEnvs)
      throw new ConfigError('mask', `has ${mask.length} entries for ${this.numEnvs} copies`, 'Pass one entry per copy.');
    const records = this.actionRecords(actions, mask);
    const out = this.allocate(true);
    // Copies advance concurrently (they are independent), which lets worker-thread copies run in parallel.
    await Promise.all(this.envs.map((env, e) => (mask !== undefined && !mask[e] ? Promise.resolve() : this.advance(env, e, records[e], out))));
    return out;
  }

  /** Steps (or, after an end in next-step mode, resets) copy e and writes its row of `out`. */
  private async advance(
    env: ParallelEnv<unknown, unknown, Agent>,
    e: number,
    record: AgentRecord<Agent, unknown> | null,
    out: VectorStepResult<Agent>,
  ): Promise<void> {
    if (record === null) {
      if (this.mode === 'disabled') return;
      const r = await env.reset();
      this.needsReset[e] = 0;
      this.write(out, e, r.observations as Partial<AgentRecord<Agent, unknown>>, env.agents);
      out.infos[e] = r.infos;
      return;
    }
    const acting = env.agents;
    // `actionRecords` checked the record as the env's own step would: an EnvBase copy does not check it again
    const r = env instanceof EnvBase ? await env[stepChecked](record) : await env.step(record as AgentRecord<Agent, unknown>);
    for (const a of acting) {
      out.rewards[a][e] = r.rewards[a];
      out.terminations[a][e] = r.terminations[a] ? 1 : 0;
      out.truncations[a][e] = r.truncations[a] ? 1 : 0;
    }
    if (env.agents.length > 0) {
      this.write(out, e, r.observations as Partial<AgentRecord<Agent, unknown>>, env.agents);
      out.infos[e] = r.infos;
    } else if (this.metadata.autoreset === 'same-step') {
      const s = await env.reset();
      this.write(out, e, s.observations as Partial<AgentRecord<Agent, unknown>>, env.agents);
      out.infos[e] = s.infos;
      out.finalObservations[e] = r.observations;
      out.finalInfos[e] = r.infos;
    } else {
      this.write(out, e, r.observations as Partial<AgentRecord<Agent, unknown>>, acting);
      for (const a of this.possibleAgents) out.active[a][e] = 0;
      out.infos[e] = r.infos;
      this.needsReset[e] = 1;
    }
  }

  /** Closes every copy; calling it twice is harmless. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Every copy is closed even when one fails; the first failure is reported after.
    const results = await Promise.allSettled(this.envs.map((env) => env.close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Copy e's action record (null for a copy that resets in this step), every row checked before any
   * copy steps, so a bad row changes nothing: finite, the exact encoding of an element of the agent's
   * space (bits 0 / 1, whole choices: a row is never rounded or thresholded into one), in the space.
   */
  private actionRecords(actions: AgentBatch<Agent, Float32Array>, mask?: ArrayLike<number | boolean>): (AgentRecord<Agent, unknown> | null)[] {
    const records = new Array<AgentRecord<Agent, unknown> | null>(this.numEnvs);
    for (let e = 0; e < this.numEnvs; e++) {
      if (this.needsReset[e] || (mask !== undefined && !mask[e])) {
        records[e] = null;
        continue;
      }
      const record = nullRecord<Agent, unknown>();
      for (const a of this.envs[e].agents) {
        const space = this.actSpaces.get(a);
        if (space === undefined)
          throw new EnsembleGymError(`copy ${e} reports live agent "${a}", which is not one of its possible agents ${this.possibleAgents.join(', ')}.`);
        const dim = this.actDims.get(a)!;
        const row = actions[a];
        const off = e * dim;
        const given = row.subarray(off, off + dim);
        for (let j = 0; j < dim; j++) {
          if (!Number.isFinite(row[off + j]))
            throw new InvalidActionError(a, given, String(space), `copy ${e}: entry ${j} = ${row[off + j]} is not finite; every used row must be finite.`);
        }
        const x = space.unflatten(row, off);
        const back = this.roundTrip(a, dim).fill(0);
        space.flatten(x, back, 0);
        let j = 0;
        while (j < dim && back[j] === given[j]) j++;
        if (j < dim)
          throw new InvalidActionError(
            a,
            given,
            String(space),
            `copy ${e}: entry ${j} = ${given[j]} is not a value of the space (it would be read as ${back[j]}); pass exact values (bits 0 or 1, whole-number choices).`,
          );
        const why = space.explain(x);
        if (why !== null) throw new InvalidActionError(a, given, String(space), `copy ${e}: ${why}.`);
        record[a] = x;
      }
      records[e] = record;
    }
    return records;
  }

  /** A scratch row of `agent`'s action width for the round-trip check of `actionRecords` (reused: each row is compared before the next is written). */
  private roundTrip(agent: Agent, dim: number): Float32Array {
    let row = this.roundTripRows.get(agent);
    if (row === undefined) {
      row = new Float32Array(dim);
      this.roundTripRows.set(agent, row);
    }
    return row;
  }

  /**
   * A result's zeroed arrays, all views of one buffer (one allocation instead of five per agent; the
   * layout is fixed at construction). Every result gets its own buffer and nothing is written into it
   * after it is returned, so callers may keep any array of any result.
   */
  private allocate(withRewards: boolean): VectorStepResult<Agent> {
    const n = this.numEnvs;
    const layout = (this.layout ??= this.resultLayout());
    const buf = new ArrayBuffer(withRewards ? layout.stepBytes : layout.resetBytes);
    // Prototype-less records: any agent name is a plain key.
    const observations = Object.create(null) as AgentBatch<Agent, Float32Array>;
    const active = Object.create(null) as AgentBatch<Agent, Uint8Array>;
    const rewards = Object.create(null) as AgentBatch<Agent, Float32Array>;
    const terminations = Object.create(null) as AgentBatch<Agent, Uint8Array>;
    const truncations = Object.create(null) as AgentBatch<Agent, Uint8Array>;
    this.possibleAgents.forEach((a, i) => {
      observations[a] = new Float32Array(buf, layout.obs[i], n * this.obsDims.get(a)!);
      active[a] = new Uint8Array(buf, layout.flags[i], n);
      if (withRewards) {
        rewards[a] = new Float32Array(buf, layout.rewards[i], n);
        terminations[a] = new Uint8Array(buf, layout.flags[i] + n, n);
        truncations[a] = new Uint8Array(buf, layout.flags[i] + 2 * n, n);
      }
    });
    return {
      observations,
      active,
      rewards,
      terminations,
      truncations,
      infos: new Array<AgentRecord<Agent, Info>>(n),
      finalObservations: new Array<AgentRecord<Agent, unknown> | null>(n).fill(null),
      finalInfos: new Array<AgentRecord<Agent, Info> | null>(n).fill(null),
    };
  }

  /**
   * Byte offsets of each agent's arrays in a result buffer: observations, then the flags (active,
   * terminations, truncations: 3 × numEnvs bytes per agent), rewards last, so a reset's buffer (no
   * rewards, no done flags read) is a prefix-sized one with the same offsets. Float32 views start at multiples of 4.
   */
  private resultLayout(): ResultLayout {
    const n = this.numEnvs;
    let at = 0;
    const obs = this.possibleAgents.map((a) => {
      const o = at;
      at += 4 * n * this.obsDims.get(a)!;
      return o;
    });
    const flags = this.possibleAgents.map(() => {
      const o = at;
      at += 3 * n;
      return o;
    });
    const resetBytes = at;
    at = Math.ceil(at / 4) * 4;
    const rewards = this.possibleAgents.map(() => {
      const o = at;
      at += 4 * n;
      return o;
    });
    return { obs, flags, rewards, resetBytes, stepBytes: at };
  }

  /** Writes copy e's observations of `agents` into row e and marks them active. */
  private write(out: VectorResetResult<Agent>, e: number, obs: Partial<AgentRecord<Agent, unknown>>, agents: readonly Agent[]): void {
    for (const a of agents) {
      if (!Object.hasOwn(obs, a)) continue;
      const o = obs[a];
      if (o === undefined) continue;
      this.obsSpaces.get(a)!.flatten(o, out.observations[a], e * this.obsDims.get(a)!);
      out.active[a][e] = 1;
    }
  }
}

/** Where each agent's arrays sit in a result's buffer (see `VectorEnv.resultLayout`). */
interface ResultLayout {
  readonly obs: readonly number[];
  readonly flags: readonly number[];
  readonly rewards: readonly number[];
  readonly resetBytes: number;
  readonly stepBytes: number;
}

/** Throws a ConfigError naming copy `i`, `what` and both spaces when `space` differs from copy 0's `base`. */
function sameSpace(i: number, what: string, space: Space, base: Space): void {
  if (describeSpace(space) === describeSpace(base)) return;
  throw new ConfigError(
    'envs',
    `copy ${i}'s ${what} is ${String(space)}, copy 0's is ${String(base)}`,
    "Build every copy from the same config: batch rows have copy 0's layout, so other spaces would be cut or padded.",
  );
}

/** A canonical description of a space (bounds included), for comparing the copies' spaces. */
function describeSpace(space: Space): string {
  try {
    return JSON.stringify(spaceToJSON(space), (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
  } catch {
    return `${String(space)}/${space.flatDim}`;
  }
}
