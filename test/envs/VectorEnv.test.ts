import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConfigError, EnvStateError, InvalidActionError } from '../../src/core/errors.js';
import type { AgentRecord, EnvMetadata, Info, ParallelEnv, ResetOptions, ResetResult, StepResult } from '../../src/core/ParallelEnv.js';
import { Box } from '../../src/core/spaces.js';
import { AnswerEnsembleEnv } from '../../src/envs/AnswerEnsembleEnv.js';
import { EnvBase, type AgentSpaces } from '../../src/envs/EnvBase.js';
import { VectorEnv } from '../../src/envs/VectorEnv.js';
import { syntheticAnswers } from '../../src/testing/syntheticAnswers.js';

/** Two agents; the episode ends (terminates) after `length` steps; obs = [t, episode], reward = action sum. */
class CounterEnv implements ParallelEnv<Float32Array, Float32Array, 'p' | 'q'> {
  readonly possibleAgents = ['p', 'q'] as const;
  readonly metadata: EnvMetadata = { name: 'Counter', renderModes: [], autoreset: 'none' };
  agents: readonly ('p' | 'q')[] = [];
  private t = 0;
  private episode = -1;
  private readonly obs = new Box(0, 1000, [2]);
  private readonly act = new Box(-1, 1, [1]);
  constructor(private readonly length: number) {}
  observationSpace(): Box {
    return this.obs;
  }
  actionSpace(): Box {
    return this.act;
  }
  private o(): Float32Array {
    return Float32Array.of(this.t, this.episode);
  }
  async reset(opts: ResetOptions = {}) {
    this.t = 0;
    this.episode = opts.seed !== undefined ? 0 : this.episode + 1;
    this.agents = ['p', 'q'];
    return { observations: { p: this.o(), q: this.o() }, infos: { p: { reset: true }, q: { reset: true } } };
  }
  async step(actions: AgentRecord<'p' | 'q', Float32Array>) {
    this.t++;
    const done = this.t >= this.length;
    const reward = actions.p[0] + actions.q[0];
    const infos: AgentRecord<'p' | 'q', Info> = { p: { t: this.t }, q: { t: this.t } };
    const out = {
      observations: { p: this.o(), q: this.o() },
      rewards: { p: reward, q: reward },
      terminations: { p: done, q: done },
      truncations: { p: false, q: false },
      infos,
    };
    if (done) this.agents = [];
    return out;
  }
  async close() {}
}

const acts = (vals: number[]) => ({ p: Float32Array.from(vals), q: Float32Array.from(vals) });

test('same-step autoreset: an ended copy is reset in the same step and its final observation is in finalObservations', async () => {
  const v = await VectorEnv.create((i) => new CounterEnv(i + 1), 2, { autoreset: 'same-step' });
  assert.equal(v.metadata.autoreset, 'same-step');
  const r0 = await v.reset({ seed: 0 });
  assert.deepEqual(Array.from(r0.observations.p), [0, 0, 0, 0]);
  const r1 = await v.step(acts([0.5, 0.25]));
  assert.deepEqual(Array.from(r1.rewards.p), [1, 0.5]);
  assert.deepEqual(Array.from(r1.terminations.q), [1, 0]);
  // Copy 0 (length 1) ended: its row is the new episode's first observation.
  assert.deepEqual(Array.from(r1.observations.p), [0, 1, 1, 0]);
  assert.deepEqual(Array.from(r1.finalObservations[0]!.p as Float32Array), [1, 0]);
  assert.equal(r1.infos[0].p.reset, true);
  assert.equal(r1.finalObservations[1], null);
  assert.deepEqual(Array.from(r1.active.p), [1, 1]);
  const r2 = await v.step(acts([0, 0]));
  assert.deepEqual(Array.from(r2.terminations.p), [1, 1]);
  assert.deepEqual(Array.from(r2.observations.p), [0, 2, 0, 1]);
});

test('next-step autoreset: the step after the end resets the copy with reward 0 and both flags false', async () => {
  const v = await VectorEnv.create((i) => new CounterEnv(i + 1), 2, { autoreset: 'next-step' });
  await v.reset({ seed: 0 });
  const r1 = await v.step(acts([0.5, 0.5]));
  assert.deepEqual(Array.from(r1.observations.p), [1, 0, 1, 0], 'the final observation stays in the row');
  assert.deepEqual(Array.from(r1.active.p), [0, 1]);
  const r2 = await v.step(acts([0.9, 0.5]));
  assert.deepEqual(Array.from(r2.rewards.p), [0, 1], 'copy 0 ignored its action and reset');
  assert.deepEqual(Array.from(r2.terminations.p), [0, 1]);
  assert.deepEqual(Array.from(r2.observations.p), [0, 1, 2, 0]);
  assert.equal(r2.infos[0].p.reset, true);
});

test('batched AnswerEnsembleEnv copies match single envs stepped by hand (same seeds)', async () => {
  const data = syntheticAnswers({ seed: 3, numItems: 60 });
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 1000 }),
      fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 9, maxLength: 9 }),
      async (seed, xs) => {
        const n = 3;
        const v = await VectorEnv.create(() => new AnswerEnsembleEnv({ data }), n);
        const singles = Array.from({ length: n }, () => new AnswerEnsembleEnv({ data }));
        const r0 = await v.reset({ seed });
        const agents = v.possibleAgents;
        const dim = v.observationSpace(agents[0]).flatDim;
        const actions = Object.fromEntries(agents.map((a, j) => [a, Float32Array.from({ length: n }, (_, e) => xs[e * 3 + j])]));
        const r1 = await v.step(actions);
        for (let e = 0; e < n; e++) {
          const s0 = await singles[e].reset({ seed: seed + e });
          assert.deepEqual(Array.from(r0.observations[agents[0]].subarray(e * dim, (e + 1) * dim)), Array.from(s0.observations[agents[0]]));
          const s1 = await singles[e].step(Object.fromEntries(agents.map((a, j) => [a, Float32Array.of(xs[e * 3 + j])])));
          assert.equal(r1.rewards[agents[1]][e], s1.rewards[agents[1]]);
          assert.deepEqual(r1.finalInfos[e]![agents[0]].fused, s1.infos[agents[0]].fused);
          const s2 = await singles[e].reset();
          assert.deepEqual(Array.from(r1.observations[agents[2]].subarray(e * dim, (e + 1) * dim)), Array.from(s2.observations[agents[2]]));
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('an invalid row anywhere throws before any copy steps', async () => {
  const v = await VectorEnv.create((i) => new CounterEnv(3 + i), 3);
  const ref = await VectorEnv.create((i) => new CounterEnv(3 + i), 3);
  await v.reset({ seed: 1 });
  await ref.reset({ seed: 1 });
  await assert.rejects(v.step(acts([0, 0, NaN])), (e: unknown) => e instanceof InvalidActionError && /copy 2/.test(e.message));
  await assert.rejects(v.step(acts([0, 2, 0])), (e: unknown) => e instanceof InvalidActionError && /copy 1/.test(e.message));
  await assert.rejects(v.step({ p: new Float32Array(2), q: new Float32Array(3) }), InvalidActionError);
  assert.deepEqual(await v.step(acts([0.1, 0.2, 0.3])), await ref.step(acts([0.1, 0.2, 0.3])));
});

/** One agent that echoes its action as reward for one step; counts how often the base validated an action record. */
class EchoEnv extends EnvBase<Box, Box> {
  readonly possibleAgents = ['x'];
  readonly metadata: EnvMetadata = { name: 'Echo-v0', renderModes: [], autoreset: 'none' };
  private readonly spaces = { observation: new Box(0, 1, [1]), action: new Box(-1, 1, [1]) };
  validations = 0;
  protected spacesOf(): AgentSpaces<Box, Box> {
    return this.spaces;
  }
  protected startEpisode(): ResetResult<Float32Array, string> {
    return this.resetResult(() => new Float32Array(1), {});
  }
  protected override validateActions(actions: AgentRecord<string, Float32Array>): void {
    this.validations += 1;
    super.validateActions(actions);
  }
  protected applyStep(actions: AgentRecord<string, Float32Array>): StepResult<Float32Array, string> {
    return this.finalStep({ observation: () => new Float32Array(1), reward: actions.x[0], terminated: true, truncated: false, info: {} });
  }
}

test('rows are checked once: an EnvBase copy stepped by a VectorEnv does not validate the record again, and a bad row is still an InvalidActionError naming agent and copy', async () => {
  const copies = [new EchoEnv(), new EchoEnv()];
  const v = new VectorEnv(copies, { autoreset: 'disabled' });
  await v.reset({ seed: 0 });
  await assert.rejects(
    v.step({ x: Float32Array.of(0.5, 2) }),
    (e: unknown) => e instanceof InvalidActionError && /"x"/.test(e.message) && /copy 1/.test(e.message),
  );
  await assert.rejects(v.step({ x: Float32Array.of(NaN, 0) }), (e: unknown) => e instanceof InvalidActionError && /copy 0.*not finite/.test(e.message));
  assert.deepEqual(
    copies.map((c) => c.agents),
    [['x'], ['x']],
    'a rejected batch steps no copy',
  );
  const r = await v.step({ x: Float32Array.of(0.5, -0.25) });
  assert.deepEqual(Array.from(r.rewards.x), [0.5, -0.25]);
  assert.deepEqual(
    copies.map((c) => c.validations),
    [0, 0],
  );
  const alone = new EchoEnv();
  await alone.reset({ seed: 0 });
  await assert.rejects(alone.step({ x: Float32Array.of(2) }), InvalidActionError);
  assert.equal(alone.validations, 1, 'a direct step validates');
});

test('state errors and config errors', async () => {
  const v = new VectorEnv([new CounterEnv(1)]);
  await assert.rejects(v.step(acts([0])), EnvStateError);
  await v.close();
  await v.close();
  await assert.rejects(v.reset(), EnvStateError);
  assert.throws(() => new VectorEnv([]), /envs/);
  assert.throws(() => new VectorEnv([new CounterEnv(1)], { autoreset: 'later' as 'same-step' }), /autoreset/);
  await assert.rejects(
    VectorEnv.create(() => new CounterEnv(1), 0),
    /numEnvs/,
  );
});

test('FocalEnv copies batch too: two-step episodes with include bits as float rows', async () => {
  const { FocalEnv } = await import('../../src/envs/FocalEnv.js');
  const data = syntheticAnswers({ seed: 7, numItems: 40 });
  const v = await VectorEnv.create(() => new FocalEnv({ data }), 4);
  await v.reset({ seed: 3 });
  const actions = Object.fromEntries(v.possibleAgents.map((a) => [a, new Float32Array(4 * v.actionSpace(a).flatDim).fill(1)]));
  const r1 = await v.step(actions);
  assert.deepEqual(Array.from(r1.terminations.decider), [0, 0, 0, 0]);
  assert.ok(r1.finalInfos.every((f) => f === null));
  const r2 = await v.step(actions);
  assert.deepEqual(Array.from(r2.terminations.decider), [1, 1, 1, 1]);
  assert.ok(r2.finalInfos.every((f) => f !== null && typeof f.decider.correct === 'boolean'));
});

test("states(): every copy's global state as rows, after reset and after autoreset", async () => {
  const data = syntheticAnswers({ seed: 8, numItems: 30 });
  const v = await VectorEnv.create(() => new AnswerEnsembleEnv({ data }), 3);
  const singles = Array.from({ length: 3 }, () => new AnswerEnsembleEnv({ data }));
  assert.throws(() => v.states(), EnvStateError);
  await v.reset({ seed: 2 });
  const dim = v.stateSpace!.flatDim;
  for (let e = 0; e < 3; e++) await singles[e].reset({ seed: 2 + e });
  const rows = v.states();
  for (let e = 0; e < 3; e++) assert.deepEqual(Array.from(rows.subarray(e * dim, (e + 1) * dim)), Array.from(singles[e].state()));
  const actions = Object.fromEntries(v.possibleAgents.map((a) => [a, new Float32Array(3)]));
  await v.step(actions);
  for (let e = 0; e < 3; e++) {
    await singles[e].step(Object.fromEntries(v.possibleAgents.map((a) => [a, Float32Array.of(0)])));
    await singles[e].reset();
  }
  const after = v.states();
  for (let e = 0; e < 3; e++) assert.deepEqual(Array.from(after.subarray(e * dim, (e + 1) * dim)), Array.from(singles[e].state()));
  const plain = new VectorEnv([new CounterEnv(1)]);
  assert.equal(plain.stateSpace, null);
  await plain.reset({ seed: 0 });
  assert.throws(() => plain.states(), /no global state/);
  assert.throws(() => plain.observationSpace('r' as 'p'), /unknown agent "r"/);
});

test('copies whose spaces differ are refused, naming the copy, the agent and both spaces', async () => {
  const { CoordinationGameEnv } = await import('../../src/envs/CoordinationGameEnv.js');
  // nOptions changes both the observation (cue) width and the action width.
  assert.throws(
    () =>
      new VectorEnv([
        new CoordinationGameEnv({ nAgents: 2, nOptions: 3 }),
        new CoordinationGameEnv({ nAgents: 2, nOptions: 3 }),
        new CoordinationGameEnv({ nAgents: 2, nOptions: 5 }),
      ]),
    (e: unknown) => e instanceof ConfigError && /copy 2's observation space of agent "agent_0" is Box.*copy 0's is Box/.test(e.message),
  );
  // Same shape, other bounds: still refused (rows would be validated against copy 0's bounds).
  class Wide extends CounterEnv {
    override actionSpace(): Box {
      return new Box(-2, 2, [1]);
    }
  }
  assert.throws(
    () => new VectorEnv([new CounterEnv(2), new Wide(2)]),
    (e: unknown) => e instanceof ConfigError && /copy 1's action space of agent "p"/.test(e.message),
  );
});

test('extra or unknown agents in the actions, MultiBinary values other than 0 / 1 and rounded choices are InvalidActionErrors that change nothing', async () => {
  const { FocalEnv } = await import('../../src/envs/FocalEnv.js');
  const data = syntheticAnswers({ seed: 7, numItems: 40 });
  const v = await VectorEnv.create(() => new FocalEnv({ data }), 2);
  const ref = await VectorEnv.create(() => new FocalEnv({ data }), 2);
  await v.reset({ seed: 5 });
  await ref.reset({ seed: 5 });
  const good = () => Object.fromEntries(v.possibleAgents.map((a) => [a, new Float32Array(2 * v.actionSpace(a).flatDim).fill(1)]));
  await assert.rejects(
    v.step({ ...good(), ghost: new Float32Array(2) }),
    (e: unknown) => e instanceof InvalidActionError && e.agent === 'ghost' && /not an agent/.test(e.message),
  );
  await assert.rejects(v.step({ ...good(), ['__proto__']: new Float32Array(2) } as never), (e: unknown) => e instanceof InvalidActionError);
  for (const bad of [-5, 0.7, 0.5, 2]) {
    const a = good();
    a.decider[1] = bad;
    await assert.rejects(
      v.step(a),
      (e: unknown) => e instanceof InvalidActionError && e.agent === 'decider' && /copy 0: entry 1/.test(e.message),
      `bit ${bad}`,
    );
  }
  assert.deepEqual(await v.step(good()), await ref.step(good()));
});

test('seeds that are not integers, or whose seed + e is not exact, are ConfigErrors naming seed and the range; the VectorEnv is unchanged', async () => {
  const v = await VectorEnv.create((i) => new CounterEnv(3 + i), 3);
  for (const seed of [NaN, Infinity, -Infinity, 1.5, 1e300, 2 ** 53, Number.MAX_SAFE_INTEGER - 1, '3', null]) {
    await assert.rejects(
      v.reset({ seed } as never),
      (e: unknown) => e instanceof ConfigError && e.field === 'seed' && /not an integer in \[-9007199254740991, 9007199254740989\]/.test(e.message),
      String(seed),
    );
  }
  await assert.rejects(v.reset({ seed: [1, NaN, 3] }), (e: unknown) => e instanceof ConfigError && e.field === 'seed[1]');
  await assert.rejects(v.reset({ seed: [1, 2, 2 ** 53] }), (e: unknown) => e instanceof ConfigError && e.field === 'seed[2]');
  await assert.rejects(v.step(acts([0, 0, 0])), EnvStateError, 'a rejected reset does not start the env');
  const top = await v.reset({ seed: Number.MAX_SAFE_INTEGER - 2 });
  assert.equal(top.observations.p.length, 6);
});

test('states(), step() and reset() after close() throw EnvStateError', async () => {
  const data = syntheticAnswers({ seed: 8, numItems: 30 });
  const v = await VectorEnv.create(() => new AnswerEnsembleEnv({ data }), 2);
  await v.reset({ seed: 1 });
  assert.equal(v.states().length, 2 * v.stateSpace!.flatDim);
  await v.close();
  assert.throws(
    () => v.states(),
    (e: unknown) => e instanceof EnvStateError && /after close/.test(e.message),
  );
  await assert.rejects(v.step(Object.fromEntries(v.possibleAgents.map((a) => [a, new Float32Array(2)]))), EnvStateError);
  await assert.rejects(v.reset(), EnvStateError);
});
