// Drives a ParallelEnv with arbitrary call sequences (valid, extreme and junk actions, junk reset
// arguments, calls in any order, close) and checks after every call that it either returned a valid
// result or threw one of the package's typed errors; then replays the successful calls on a fresh
// env and checks that the rejected calls changed nothing.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { firstDifference } from '../../src/core/checkParallelEnv.js';
import { EnsembleGymError, EnvStateError } from '../../src/core/errors.js';
import { hasGlobalState, type ParallelEnv } from '../../src/core/ParallelEnv.js';
import { Rng } from '../../src/core/Rng.js';
import { Box, type Space } from '../../src/core/spaces.js';

type AnyEnv = ParallelEnv<unknown, unknown, string>;
type Rec = Record<string, unknown>;

/** A value of any type that is not a valid action (or, for Box spaces, sometimes a valid but extreme one). */
export const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, 1e308, -1e308, 0, -0, 3.5e38, Number.MAX_SAFE_INTEGER),
  fc.constantFrom(null, undefined, true, '', 'NaN', '0.5', {}, [], [[0]], [null], [undefined], ['1'], new Array(1), new Map(), () => 0, Symbol('x'), 10n),
  fc.string({ maxLength: 8 }),
  fc.array(fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity)), { maxLength: 5 }),
  fc.array(fc.double({ noNaN: true, min: -10, max: 10 }), { minLength: 0, maxLength: 3 }).map((a) => Float32Array.from(a)),
  fc.constantFrom(new Float32Array(100_000), Int8Array.of(1), Uint8Array.of(1, 0), Float64Array.of(NaN), new Uint8Array(0), Int32Array.of(1, 1, 1)),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.double(), { maxKeys: 3 }),
);

/** What one `step` call sends. */
type StepOp =
  | { kind: 'step'; actionSeed: number; extreme: boolean; mutate: null }
  | { kind: 'step'; actionSeed: number; extreme: boolean; mutate: { agent: number; value: unknown } }
  | { kind: 'step'; actionSeed: number; extreme: boolean; mutate: { missing: number } }
  | { kind: 'step'; actionSeed: number; extreme: boolean; mutate: { extra: string; value: unknown } }
  | { kind: 'step'; actionSeed: number; extreme: boolean; mutate: { record: unknown } };

/** One call of a fuzzed sequence. */
export type EnvOp = { kind: 'reset'; opts: Rec | undefined } | StepOp | { kind: 'close' } | { kind: 'query'; agent: string };

/** Options of `fuzzEnv`. */
export interface EnvFuzzTarget {
  readonly name: string;
  readonly make: () => AnyEnv | Promise<AnyEnv>;
  /** Sequences tried (fast-check runs). */
  readonly runs: number;
  /** Longest sequence. */
  readonly maxOps: number;
  /** Env-specific `reset` options, valid and invalid (default: none). */
  readonly resetOptions?: fc.Arbitrary<unknown>;
  readonly seed?: number;
}

/** Per-target counts printed by the fuzz tests. */
export interface FuzzStats {
  cases: number;
  ok: number;
  typedErrors: number;
  sequences: number;
}

const seedArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -0, 2 ** 53, 1.5, -7, '42', null, 0xffffffff) },
);

function opArb(target: EnvFuzzTarget): fc.Arbitrary<EnvOp> {
  const options = target.resetOptions ?? fc.constant(undefined);
  const reset = fc.record({ seed: seedArb, options }).map(({ seed, options: o }): EnvOp => {
    const opts: Rec = {};
    if (seed !== undefined) opts.seed = seed;
    if (o !== undefined) opts.options = o;
    return { kind: 'reset', opts: Object.keys(opts).length === 0 ? undefined : opts };
  });
  const base = { actionSeed: fc.integer({ min: 0, max: 1_000_000 }), extreme: fc.boolean() };
  const step = fc.oneof(
    { weight: 8, arbitrary: fc.record({ ...base, kind: fc.constant('step' as const), mutate: fc.constant(null) }) },
    { weight: 3, arbitrary: fc.record({ ...base, kind: fc.constant('step' as const), mutate: fc.record({ agent: fc.nat(), value: junkValue }) }) },
    { weight: 1, arbitrary: fc.record({ ...base, kind: fc.constant('step' as const), mutate: fc.record({ missing: fc.nat() }) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        ...base,
        kind: fc.constant('step' as const),
        mutate: fc.record({
          extra: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'agent_99')),
          value: junkValue,
        }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        ...base,
        kind: fc.constant('step' as const),
        mutate: fc.record({ record: fc.oneof(fc.constantFrom(null, undefined, 'agent_0', 7, Object.create(null)), junkValue) }),
      }),
    },
  ) as fc.Arbitrary<EnvOp>;
  return fc.oneof(
    { weight: 3, arbitrary: reset },
    { weight: 8, arbitrary: step },
    { weight: 1, arbitrary: fc.constant({ kind: 'close' } as EnvOp) },
    {
      weight: 1,
      arbitrary: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'toString', '')).map((agent): EnvOp => ({ kind: 'query', agent })),
    },
  );
}

/** Valid actions for every live agent, drawn from the action spaces; `extreme` pushes Box entries to their largest finite float32 magnitudes. */
function validActions(env: AnyEnv, actionSeed: number, extreme: boolean): Rec {
  const rng = new Rng(`fuzz/${actionSeed}`);
  const out: Rec = {};
  for (const a of env.agents) {
    const space = env.actionSpace(a);
    const x = space.sample(rng);
    if (extreme && space instanceof Box) {
      const v = x as Float32Array;
      for (let i = 0; i < v.length; i++) {
        const pick = rng.int(3);
        const hi = Number.isFinite(space.high[i]) ? space.high[i] : 3.4e38;
        const lo = Number.isFinite(space.low[i]) ? space.low[i] : -3.4e38;
        if (pick === 1) v[i] = hi;
        else if (pick === 2) v[i] = lo;
      }
    }
    out[a] = x;
  }
  return out;
}

function buildStep(env: AnyEnv, op: StepOp): { actions: unknown; valid: boolean } {
  const agents = env.agents;
  const actions = validActions(env, op.actionSeed, op.extreme);
  const m = op.mutate;
  if (m === null) return { actions, valid: true };
  if ('record' in m) return { actions: m.record, valid: false };
  if ('missing' in m) {
    if (agents.length === 0) return { actions, valid: true };
    delete actions[agents[m.missing % agents.length]];
    return { actions, valid: false };
  }
  if ('extra' in m) {
    if (env.possibleAgents.includes(m.extra) && agents.includes(m.extra)) return { actions, valid: true };
    Object.defineProperty(actions, m.extra, { value: m.value, enumerable: true, configurable: true, writable: true });
    return { actions, valid: false };
  }
  if (agents.length === 0) return { actions, valid: true };
  const agent = agents[m.agent % agents.length];
  actions[agent] = m.value;
  // A junk value can happen to be valid (e.g. a Float32Array of the right length).
  return { actions, valid: env.actionSpace(agent).contains(m.value) };
}

function spaceProblem(space: Space, x: unknown): string | null {
  return space.explain(x);
}

/** Checks a reset result: one observation and info per live agent, observations in their spaces. */
function checkReset(env: AnyEnv, res: unknown, name: string): void {
  const r = res as { observations: Rec; infos: Rec };
  assert.ok(r && typeof r.observations === 'object' && typeof r.infos === 'object', `${name}: reset returned ${String(res)}`);
  const agents = [...env.agents].sort();
  assert.ok(agents.length > 0, `${name}: no live agents after reset`);
  assert.deepEqual(Object.keys(r.observations).sort(), agents, `${name}: reset observation keys`);
  assert.deepEqual(Object.keys(r.infos).sort(), agents, `${name}: reset info keys`);
  for (const a of agents) assert.equal(spaceProblem(env.observationSpace(a), r.observations[a]), null, `${name}: reset observation of ${a}`);
}

/** Checks a step result: records keyed by the agents that acted, finite rewards, boolean flags, observations in spaces, done agents removed. */
function checkStep(env: AnyEnv, res: unknown, acting: readonly string[], name: string): void {
  const r = res as Record<string, Rec>;
  const keys = [...acting].sort();
  for (const k of ['observations', 'rewards', 'terminations', 'truncations', 'infos']) {
    assert.ok(r && typeof r[k] === 'object' && r[k] !== null, `${name}: step returned no ${k}`);
    assert.deepEqual(Object.keys(r[k]).sort(), keys, `${name}: step ${k} keys`);
  }
  for (const a of acting) {
    const reward = r.rewards[a];
    assert.ok(typeof reward === 'number' && Number.isFinite(reward), `${name}: reward of ${a} is ${String(reward)}`);
    assert.equal(typeof r.terminations[a], 'boolean');
    assert.equal(typeof r.truncations[a], 'boolean');
    assert.equal(spaceProblem(env.observationSpace(a), r.observations[a]), null, `${name}: step observation of ${a}`);
    if (r.terminations[a] === true || r.truncations[a] === true) assert.ok(!env.agents.includes(a), `${name}: ${a} is done but still live`);
  }
  for (const a of env.agents) assert.ok(acting.includes(a), `${name}: ${a} became live during a step`);
}

function typed(e: unknown, name: string, call: string): EnsembleGymError {
  if (!(e instanceof EnsembleGymError)) {
    const err = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack?.split('\n').slice(1, 4).join('\n')}` : String(e);
    assert.fail(`${name}: ${call} threw an untyped error: ${err}`);
  }
  return e;
}

interface Logged {
  readonly call: 'reset' | 'step' | 'close';
  readonly arg?: unknown;
  readonly result?: unknown;
}

/** Deep copy of results (typed arrays, arrays, plain objects) so later mutation by the env cannot hide a difference. */
function snapshot(x: unknown): unknown {
  if (ArrayBuffer.isView(x)) return (x as unknown as { slice(): unknown }).slice();
  if (Array.isArray(x)) return x.map(snapshot);
  if (typeof x === 'object' && x !== null) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, snapshot(v)]));
  return x;
}

/** Runs one sequence; returns the successful calls with their results. */
async function runSequence(target: EnvFuzzTarget, ops: readonly EnvOp[], stats: FuzzStats): Promise<Logged[]> {
  const { name } = target;
  const env = await target.make();
  const log: Logged[] = [];
  let closed = false;
  let everReset = false;
  try {
    for (const op of ops) {
      stats.cases++;
      const call = JSON.stringify(op, (_k, v) =>
        typeof v === 'bigint' || typeof v === 'symbol' || typeof v === 'function'
          ? String(v)
          : ArrayBuffer.isView(v)
            ? `${v.constructor.name}[${(v as Uint8Array).length}]`
            : v,
      );
      if (op.kind === 'query') {
        try {
          const s1 = env.observationSpace(op.agent);
          const s2 = env.actionSpace(op.agent);
          assert.ok(env.possibleAgents.includes(op.agent), `${name}: observationSpace accepted unknown agent ${op.agent}`);
          assert.equal(typeof s1.contains, 'function');
          assert.equal(typeof s2.contains, 'function');
          stats.ok++;
        } catch (e) {
          typed(e, name, `spaces of ${JSON.stringify(op.agent)}`);
          stats.typedErrors++;
        }
        if (hasGlobalState(env)) {
          try {
            const s = env.state();
            assert.equal(env.stateSpace.explain(s), null, `${name}: state() not in stateSpace`);
          } catch (e) {
            typed(e, name, 'state()');
          }
        }
        continue;
      }
      if (op.kind === 'close') {
        await env.close();
        closed = true;
        log.push({ call: 'close' });
        stats.ok++;
        continue;
      }
      if (op.kind === 'reset') {
        try {
          const res = await env.reset(op.opts as never);
          assert.ok(!closed, `${name}: reset succeeded after close`);
          checkReset(env, res, name);
          log.push({ call: 'reset', arg: op.opts, result: snapshot(res) });
          everReset = true;
          stats.ok++;
        } catch (e) {
          const err = typed(e, name, `reset(${call})`);
          if (closed) assert.ok(err instanceof EnvStateError, `${name}: reset after close threw ${err.name}, expected EnvStateError`);
          stats.typedErrors++;
        }
        continue;
      }
      const acting = [...env.agents];
      const { actions, valid } = buildStep(env, op);
      try {
        const res = await env.step(actions as never);
        assert.ok(!closed, `${name}: step succeeded after close`);
        assert.ok(valid, `${name}: step accepted invalid actions ${call}`);
        checkStep(env, res, acting, name);
        log.push({ call: 'step', arg: actions, result: snapshot(res) });
        stats.ok++;
      } catch (e) {
        const err = typed(e, name, `step(${call})`);
        if (closed || !everReset || acting.length === 0)
          assert.ok(err instanceof EnvStateError, `${name}: step in a state without live agents threw ${err.name}, expected EnvStateError`);
        else assert.ok(!valid, `${name}: step with valid actions threw ${err.name}: ${err.message}`);
        stats.typedErrors++;
      }
    }
  } finally {
    await env.close();
    await env.close();
  }
  return log;
}

/** Replays the successful calls on a fresh env and compares every result. */
async function replay(target: EnvFuzzTarget, log: readonly Logged[]): Promise<void> {
  const env = await target.make();
  try {
    for (let i = 0; i < log.length; i++) {
      const e = log[i];
      if (e.call === 'close') {
        await env.close();
        continue;
      }
      const res = e.call === 'reset' ? await env.reset(e.arg as never) : await env.step(e.arg as never);
      const d = firstDifference(snapshot(res), e.result);
      assert.equal(d, null, `${target.name}: call ${i} (${e.call}) differs from a fresh env given the same seed and valid calls: ${d}`);
    }
  } finally {
    await env.close();
  }
}

/** Fuzzes `target` and returns the counts; throws (with fast-check's shrunk counterexample) on the first violation. */
export async function fuzzEnv(target: EnvFuzzTarget): Promise<FuzzStats> {
  const stats: FuzzStats = { cases: 0, ok: 0, typedErrors: 0, sequences: 0 };
  await fc.assert(
    fc.asyncProperty(fc.array(opArb(target), { minLength: 1, maxLength: target.maxOps }), async (ops) => {
      stats.sequences++;
      const log = await runSequence(target, ops, stats);
      await replay(target, log);
    }),
    { numRuns: target.runs, seed: target.seed ?? 42, endOnFailure: true },
  );
  console.log(`fuzz: ${target.name} ${stats.cases} cases (${stats.sequences} sequences, ${stats.ok} ok, ${stats.typedErrors} typed errors), 0 failures`);
  return stats;
}
