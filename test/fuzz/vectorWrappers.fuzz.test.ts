// VectorEnv (in-process and in worker threads), toAEC and toSingleAgent under arbitrary call
// sequences: odd seeds (NaN, ±Infinity, 1.5, 1e300, 2**53, strings, null), odd agent names
// (`__proto__`, `constructor`, `toString`), extra / missing agents, non-finite and non-element row
// entries (MultiBinary 0.7 / -5, rounded choices), junk records, calls after close; the AEC and
// single-agent callers reuse one buffer for every action and scramble it after each call. After
// every call: a valid call succeeded with a valid result, any other either succeeded validly or threw
// an EnsembleGymError (no untyped error is tolerated). Then every successful call is replayed on a
// fresh target (for workers: an in-process VectorEnv of the same copies) with fresh arrays, and the
// results must be equal: rejected calls changed nothing and no caller buffer leaked into the state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { EnsembleGymError } from '../../src/core/errors.js';
import type { ParallelEnv } from '../../src/core/ParallelEnv.js';
import { Rng } from '../../src/core/Rng.js';
import type { Space } from '../../src/core/spaces.js';
import { CoordinationGameEnv } from '../../src/envs/CoordinationGameEnv.js';
import { VectorEnv } from '../../src/envs/VectorEnv.js';
import { toAEC } from '../../src/envs/wrappers/toAEC.js';
import { toSingleAgent } from '../../src/envs/wrappers/toSingleAgent.js';
import { junkValue } from '../support/fuzzEnv.js';
import { ODD_NAMES, oddNamesAnswerEnv, oddNamesFocalEnv } from './oddNamesEnv.js';

type AnyEnv = ParallelEnv<unknown, unknown, string>;

const oddSeed: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 1.5, 1e300, 2 ** 53, 2 ** 53 - 1, -(2 ** 53), 2 ** 32, -0, '7', null, {}) },
);
const isGoodSeed = (s: unknown, copies: number): boolean =>
  s === undefined || (typeof s === 'number' && Number.isSafeInteger(s) && Number.isSafeInteger(s + (copies - 1)));
const ODD_KEYS = fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'ghost', '');

/** Counts and the failure check shared by the targets. */
class Tally {
  cases = 0;
  ok = 0;
  typed = 0;
  /** Runs one call: a valid one must succeed, any other may throw only an EnsembleGymError. */
  async call<T>(what: string, valid: boolean, f: () => Promise<T> | T): Promise<{ ok: true; value: T } | { ok: false }> {
    this.cases++;
    try {
      const value = await f();
      this.ok++;
      return { ok: true, value };
    } catch (e) {
      if (!(e instanceof EnsembleGymError)) throw new Error(`${what}: untyped error ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
      if (valid) throw new Error(`${what}: a valid call threw ${(e as Error).name}: ${(e as Error).message}`, { cause: e });
      this.typed++;
      return { ok: false };
    }
  }
  line(name: string, sequences: number): string {
    return `fuzz: ${name} ${this.cases} cases (${sequences} sequences, ${this.ok} ok, ${this.typed} typed errors), 0 failures, 0 untyped errors`;
  }
}

/** A flat, comparable form of a result (typed arrays as lists; non-finite numbers as strings). */
const plain = (x: unknown): unknown =>
  JSON.parse(
    JSON.stringify(x, (_k, v: unknown) =>
      ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
    ) ?? 'null',
  );

// ---------------------------------------------------------------- VectorEnv

type Mutation =
  | null
  | { nan: number }
  | { entry: number; value: number }
  | { extra: string }
  | { missing: number }
  | { short: number }
  | { junk: number; value: unknown }
  | { record: unknown };
type VOp =
  | { kind: 'reset'; seed: unknown }
  | { kind: 'step'; seed: number; mutate: Mutation }
  | { kind: 'states' }
  | { kind: 'close' }
  | { kind: 'space'; agent: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.record({ nan: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ entry: fc.nat(), value: fc.constantFrom(0.7, -5, 0.5, 2, 1.5, 1e30, -0, 3.4e38) }) },
  { weight: 1, arbitrary: fc.record({ extra: ODD_KEYS }) },
  { weight: 1, arbitrary: fc.record({ missing: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ short: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ junk: fc.nat(), value: junkValue }) },
  { weight: 1, arbitrary: fc.record({ record: fc.oneof(fc.constantFrom(null, undefined, 7, 'x', [], new Float32Array(3)), junkValue) }) },
);
const vop: fc.Arbitrary<VOp> = fc.oneof(
  { weight: 3, arbitrary: oddSeed.map((seed): VOp => ({ kind: 'reset', seed })) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('step' as const), seed: fc.nat(1_000_000), mutate: mutation }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'states' } as VOp) },
  { weight: 1, arbitrary: fc.constant({ kind: 'close' } as VOp) },
  { weight: 1, arbitrary: fc.oneof(ODD_KEYS, fc.constantFrom(...ODD_NAMES)).map((agent): VOp => ({ kind: 'space', agent })) },
);

/** A valid batch: every row an element of the agent's space (rows of agents not live are ignored anyway). */
function batchOf(v: VectorEnv, seed: number): Record<string, Float32Array> {
  const rng = new Rng(`vector-fuzz/${seed}`);
  const out: Record<string, Float32Array> = {};
  for (const a of v.possibleAgents) {
    const space = v.actionSpace(a) as Space;
    const rows = new Float32Array(v.numEnvs * space.flatDim);
    for (let e = 0; e < v.numEnvs; e++) space.flatten(space.sample(rng), rows, e * space.flatDim);
    Object.defineProperty(out, a, { value: rows, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function mutate(v: VectorEnv, b: Record<string, unknown>, m: Mutation): unknown {
  const agents = v.possibleAgents;
  const pick = (i: number): string => agents[i % agents.length];
  if (m === null) return b;
  if ('record' in m) return m.record;
  if ('extra' in m) {
    if (agents.includes(m.extra)) return b;
    Object.defineProperty(b, m.extra, { value: new Float32Array(v.numEnvs), enumerable: true, configurable: true, writable: true });
    return b;
  }
  if ('missing' in m) {
    delete b[pick(m.missing)];
    return b;
  }
  if ('short' in m) {
    const a = pick(m.short);
    b[a] = (b[a] as Float32Array).subarray(1);
    return b;
  }
  if ('junk' in m) {
    b[pick(m.junk)] = m.value;
    return b;
  }
  const a = pick('nan' in m ? m.nan : m.entry);
  const rows = b[a] as Float32Array;
  if (rows.length > 0) rows[('nan' in m ? m.nan : m.entry) % rows.length] = 'nan' in m ? NaN : m.value;
  return b;
}

/** The batch result is well formed: right lengths, finite values, 0/1 flags, used rows inside the spaces. */
function checkBatch(
  v: VectorEnv,
  r: { observations: Record<string, Float32Array>; active: Record<string, Uint8Array>; rewards?: Record<string, Float32Array> },
): void {
  for (const a of v.possibleAgents) {
    assert.ok(Object.hasOwn(r.observations, a) && Object.hasOwn(r.active, a), `rows of agent ${a}`);
    const space = v.observationSpace(a) as Space;
    const obs = r.observations[a];
    assert.equal(obs.length, v.numEnvs * space.flatDim);
    for (let e = 0; e < v.numEnvs; e++) {
      assert.ok(r.active[a][e] === 0 || r.active[a][e] === 1);
      if (r.active[a][e] === 1) assert.equal(space.explain(space.unflatten(obs, e * space.flatDim)), null, `observation row ${e} of ${a}`);
    }
    if (r.rewards && Object.hasOwn(r.rewards, a)) assert.ok(Array.from(r.rewards[a]).every(Number.isFinite), `rewards of ${a}`);
  }
}

/** Runs `ops` on `v`; returns the successful calls and what they gave. */
async function driveVector(v: VectorEnv, ops: VOp[], tally: Tally): Promise<{ done: VOp[]; results: unknown[] }> {
  let started = false,
    closed = false;
  const done: VOp[] = [];
  const results: unknown[] = [];
  for (const op of ops) {
    let r: { ok: true; value: unknown } | { ok: false };
    if (op.kind === 'reset') {
      r = await tally.call('reset', !closed && isGoodSeed(op.seed, v.numEnvs), () => v.reset(op.seed === undefined ? {} : { seed: op.seed as number }));
      if (r.ok) checkBatch(v, r.value as never);
      if (r.ok) started = true;
    } else if (op.kind === 'step') {
      const actions = mutate(v, batchOf(v, op.seed), op.mutate);
      r = await tally.call('step', started && !closed && op.mutate === null, () => v.step(actions as never));
      if (r.ok) checkBatch(v, r.value as never);
    } else if (op.kind === 'states') {
      r = await tally.call('states', false, () => v.states());
    } else if (op.kind === 'close') {
      r = await tally.call('close', true, () => v.close());
      closed = true;
    } else {
      r = await tally.call('space', v.possibleAgents.includes(op.agent), () => String(v.observationSpace(op.agent)));
    }
    if (r.ok) {
      done.push(op);
      results.push(plain(r.value));
    }
  }
  await v.close();
  return { done, results };
}

const VECTOR_TARGETS: Array<{ name: string; make: () => Promise<VectorEnv>; replay: () => Promise<VectorEnv>; runs: number }> = [
  {
    name: 'VectorEnv(CoordinationGameEnv × 3)',
    make: () => VectorEnv.create(() => new CoordinationGameEnv({ nAgents: 2, horizon: 3, cueNoise: 0.2 }), 3),
    replay: () => VectorEnv.create(() => new CoordinationGameEnv({ nAgents: 2, horizon: 3, cueNoise: 0.2 }), 3),
    runs: 150,
  },
  {
    name: 'VectorEnv(AnswerEnsembleEnv × 2, agents __proto__ / constructor / toString)',
    make: () => VectorEnv.create(() => oddNamesAnswerEnv({ seed: 2 }), 2),
    replay: () => VectorEnv.create(() => oddNamesAnswerEnv({ seed: 2 }), 2),
    runs: 150,
  },
  {
    name: 'VectorEnv(FocalEnv × 2, MultiBinary deciders, odd names, next-step)',
    make: () => VectorEnv.create(() => oddNamesFocalEnv({ seed: 3 }), 2, { autoreset: 'next-step' }),
    replay: () => VectorEnv.create(() => oddNamesFocalEnv({ seed: 3 }), 2, { autoreset: 'next-step' }),
    runs: 150,
  },
];
const workerSpec = { module: fileURLToPath(new URL('./oddNamesEnv.ts', import.meta.url)), factory: 'oddNamesAnswerEnv', config: { seed: 4 } };
VECTOR_TARGETS.push({
  name: 'VectorEnv.inWorkers(AnswerEnsembleEnv × 2, odd names, 1 thread)',
  make: () => VectorEnv.inWorkers(workerSpec, 2, { threads: 1 }),
  replay: () => VectorEnv.create(() => oddNamesAnswerEnv({ seed: 4 }), 2),
  runs: 12,
});

for (const t of VECTOR_TARGETS) {
  test(`${t.name}: arbitrary calls succeed validly or throw typed errors, and never change what valid calls give`, async () => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(fc.array(vop, { minLength: 1, maxLength: 14 }), async (ops) => {
        const first = await driveVector(await t.make(), [{ kind: 'reset', seed: 0 }, ...ops], tally);
        const again = await driveVector(await t.replay(), first.done, new Tally());
        assert.deepEqual(again.done, first.done, 'every call that succeeded succeeds again on a fresh VectorEnv');
        assert.deepEqual(again.results, first.results);
      }),
      { numRuns: t.runs, seed: 15 },
    );
    assert.ok(tally.typed > 0 && tally.ok > 0);
    console.log(tally.line(t.name, t.runs));
  });
}

// ---------------------------------------------------------------- toAEC and toSingleAgent, reused buffers

type WOp = { kind: 'reset'; seed: unknown } | { kind: 'step'; seed: number; junk: unknown; scramble: number } | { kind: 'null'; scramble: number };
const wop: fc.Arbitrary<WOp> = fc.oneof(
  { weight: 2, arbitrary: oddSeed.map((seed): WOp => ({ kind: 'reset', seed })) },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('step' as const),
      seed: fc.nat(1_000_000),
      junk: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: junkValue }),
      scramble: fc.nat(2),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('null' as const), scramble: fc.nat(2) }) },
);

/** Overwrites a reused buffer after a call: with NaN, with another valid-looking value, or not at all. */
function scramble(buf: Float32Array | Uint8Array, how: number, rng: Rng): void {
  if (how === 0) buf.fill(Number.NaN);
  else if (how === 1) for (let i = 0; i < buf.length; i++) buf[i] = rng.int(2);
}

/** Drives a toAEC wrapper; with `reuse`, one buffer per action shape holds every action and is scrambled after each call. */
async function driveAEC(make: () => AnyEnv, ops: WOp[], reuse: boolean, tally: Tally): Promise<{ done: WOp[]; results: unknown[] }> {
  const env = toAEC(make());
  const buffers = new Map<string, Float32Array | Uint8Array>();
  const rng = new Rng('aec-scramble');
  let started = false;
  const done: WOp[] = [];
  const results: unknown[] = [];
  for (const op of ops) {
    let r: { ok: true; value: unknown } | { ok: false };
    const agent = env.agents.length > 0 ? env.agentSelection : undefined;
    const isDone = agent !== undefined && (env.terminations[agent] || env.truncations[agent]);
    if (op.kind === 'reset') {
      r = await tally.call('reset', false, () => env.reset(op.seed === undefined ? {} : { seed: op.seed as number }));
      if (r.ok) started = true;
    } else if (op.kind === 'null') {
      r = await tally.call('dead step', started && agent !== undefined && isDone, () => env.step(null));
    } else {
      let action: unknown = op.junk;
      if (op.junk === null && agent !== undefined) {
        const sample = env.actionSpace(agent).sample(new Rng(`aec/${op.seed}`)) as Float32Array | Uint8Array;
        const key = `${sample.constructor.name}/${sample.length}`;
        const buf = reuse ? (buffers.get(key) ?? buffers.set(key, sample.slice()).get(key)!) : sample.slice();
        buf.set(sample);
        action = buf;
      }
      r = await tally.call('step', started && agent !== undefined && !isDone && op.junk === null, () => env.step(action as never));
      for (const b of buffers.values()) scramble(b, op.scramble, rng);
    }
    if (r.ok) {
      done.push(op);
      const a = env.agents.length > 0 ? env.agentSelection : null;
      results.push(
        plain({ agents: env.agents, a, last: a === null ? null : env.last(), rewards: { ...env.rewards }, cumulative: { ...env.cumulativeRewards } }),
      );
    }
  }
  await env.close();
  return { done, results };
}

/** Drives a toSingleAgent wrapper: joint vectors (or records of per-agent actions) in reused, scrambled buffers. */
async function driveSingle(make: () => AnyEnv, ops: WOp[], reuse: boolean, tally: Tally): Promise<{ done: WOp[]; results: unknown[] }> {
  const inner = make();
  const env = toSingleAgent(inner);
  const joint = new Float32Array(env.actionSpace.flatDim);
  const rng = new Rng('single-scramble');
  let live = false;
  const done: WOp[] = [];
  const results: unknown[] = [];
  for (const op of ops) {
    let r: { ok: true; value: unknown } | { ok: false };
    if (op.kind === 'reset') {
      r = await tally.call('reset', false, () => env.reset(op.seed === undefined ? {} : { seed: op.seed as number }));
      if (r.ok) live = true;
    } else {
      let action: unknown = op.kind === 'step' ? op.junk : null;
      const asRecord = op.kind === 'null';
      if (op.kind === 'null' || op.junk === null) {
        const sample = env.actionSpace.sample(new Rng(`single/${op.kind === 'step' ? op.seed : 0}`));
        const buf = reuse ? joint : new Float32Array(joint.length);
        buf.set(sample);
        if (asRecord) {
          // One shared buffer for every agent's action (each agent's space here is one float wide).
          action = Object.fromEntries(inner.agents.map((a) => [a, inner.actionSpace(a).flatDim === 1 ? buf.subarray(0, 1) : buf]));
        } else action = buf;
      }
      const valid =
        live &&
        inner.agents.length > 0 &&
        (op.kind === 'null'
          ? inner.agents.every((a) => inner.actionSpace(a).flatDim === 1 && inner.actionSpace(a).contains(joint.slice(0, 1) as never))
          : op.junk === null);
      r = await tally.call('step', valid, () => env.step(action as never));
      if (r.ok && inner.agents.length === 0) live = false;
      scramble(joint, op.kind === 'step' ? op.scramble : op.scramble, rng);
    }
    if (r.ok) {
      done.push(op);
      results.push(plain(r.value));
    }
  }
  await env.close();
  return { done, results };
}

const WRAPPED: Array<{ name: string; make: () => AnyEnv }> = [
  { name: 'CoordinationGameEnv', make: () => new CoordinationGameEnv({ nAgents: 3, horizon: 3, cueNoise: 0.2 }) as AnyEnv },
  { name: 'AnswerEnsembleEnv (agents __proto__ / constructor / toString)', make: () => oddNamesAnswerEnv({ seed: 5 }) as AnyEnv },
  { name: 'FocalEnv (MultiBinary deciders, odd names)', make: () => oddNamesFocalEnv({ seed: 6 }) as AnyEnv },
];

for (const w of WRAPPED) {
  for (const [kind, drive] of [
    ['toAEC', driveAEC],
    ['toSingleAgent', driveSingle],
  ] as const) {
    test(`${kind}(${w.name}) with one reused, scrambled action buffer: valid calls succeed, results equal a caller with fresh arrays`, async () => {
      const tally = new Tally();
      const runs = 120;
      await fc.assert(
        fc.asyncProperty(fc.array(wop, { minLength: 1, maxLength: 16 }), async (ops) => {
          const first = await drive(w.make, [{ kind: 'reset', seed: 1 }, ...ops], true, tally);
          const again = await drive(w.make, first.done, false, new Tally());
          assert.deepEqual(again.done, first.done);
          assert.deepEqual(again.results, first.results);
        }),
        { numRuns: runs, seed: 15 },
      );
      assert.ok(tally.ok > 0);
      console.log(tally.line(`${kind}(${w.name})`, runs));
    });
  }
}
