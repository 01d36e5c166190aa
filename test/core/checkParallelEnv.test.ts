import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertParallelEnv,
  checkParallelEnv,
  EnvCheckError,
  ENV_CHECK_PROPERTIES,
  firstDifference,
  type EnvCheckOptions,
  type EnvCheckProperty,
} from '../../src/core/checkParallelEnv.js';
import { EnvStateError, InvalidActionError } from '../../src/core/errors.js';
import type { AgentRecord, EnvMetadata, HasGlobalState, ParallelEnv, ResetOptions, ResetResult, StepResult } from '../../src/core/ParallelEnv.js';
import { Box } from '../../src/core/spaces.js';
import { CoordinationGameEnv, type CoordinationGameConfig } from '../../src/envs/CoordinationGameEnv.js';
import { StaggeredEnv } from '../support/StaggeredEnv.js';

type Obs = Float32Array;
type Act = Float32Array;
type Step = StepResult<Obs, string>;

/** Forwards everything to a CoordinationGameEnv; each broken variant below overrides one thing. */
class Delegate implements ParallelEnv<Obs, Act, string>, HasGlobalState {
  readonly inner: CoordinationGameEnv;
  constructor(config: CoordinationGameConfig = {}) {
    this.inner = new CoordinationGameEnv(config);
  }
  get possibleAgents(): readonly string[] {
    return this.inner.possibleAgents;
  }
  get agents(): readonly string[] {
    return this.inner.agents;
  }
  get metadata(): EnvMetadata {
    return this.inner.metadata;
  }
  get stateSpace(): Box {
    return this.inner.stateSpace;
  }
  state(): Float32Array {
    return this.inner.state();
  }
  observationSpace(agent: string): Box {
    return this.inner.observationSpace(agent);
  }
  actionSpace(agent: string): Box {
    return this.inner.actionSpace(agent);
  }
  reset(opts?: ResetOptions): Promise<ResetResult<Obs, string>> {
    return this.inner.reset(opts);
  }
  step(actions: AgentRecord<string, Act>): Promise<Step> {
    return this.inner.step(actions);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const mapStep = (r: Step, f: (a: string) => Partial<Record<keyof Step, unknown>>): Step => {
  const out = {
    observations: { ...r.observations },
    rewards: { ...r.rewards },
    terminations: { ...r.terminations },
    truncations: { ...r.truncations },
    infos: { ...r.infos },
  };
  for (const a of Object.keys(r.rewards)) {
    for (const [k, v] of Object.entries(f(a))) (out[k as keyof Step] as Record<string, unknown>)[a] = v;
  }
  return out;
};

let globalCounter = 0;

/** Broken variants, each violating exactly the named property (others may fail as a consequence). */
const broken: Record<string, { property: EnvCheckProperty; make: () => ParallelEnv<Obs, Act, string>; opts?: EnvCheckOptions }> = {
  'observation with NaN': {
    property: 'obs-in-space',
    make: () =>
      new (class extends Delegate {
        override async step(a: AgentRecord<string, Act>): Promise<Step> {
          return mapStep(await super.step(a), () => ({ observations: Float32Array.of(1, 0, NaN, 0, 0, 0, 0) }));
        }
      })(),
  },
  'global counter in the reward': {
    property: 'determinism',
    make: () =>
      new (class extends Delegate {
        override async step(a: AgentRecord<string, Act>): Promise<Step> {
          const r = await super.step(a);
          const bump = (globalCounter++ % 7) * 0.01;
          return mapStep(r, (agent) => ({ rewards: r.rewards[agent] + bump }));
        }
      })(),
  },
  'rejected action still advances a counter': {
    property: 'invalid-action-keeps-state',
    make: () =>
      new (class extends Delegate {
        calls = 0;
        override reset(o?: ResetOptions): Promise<ResetResult<Obs, string>> {
          this.calls = 0;
          return super.reset(o);
        }
        override async step(a: AgentRecord<string, Act>): Promise<Step> {
          this.calls += 1;
          const r = await super.step(a);
          return mapStep(r, (agent) => ({ rewards: r.rewards[agent] + 0.01 * this.calls }));
        }
      })(),
  },
  'done agents stay in agents': {
    property: 'done-agents-removed',
    make: () =>
      new (class extends Delegate {
        started = false;
        override get agents(): readonly string[] {
          return this.started ? this.inner.possibleAgents : [];
        }
        override reset(o?: ResetOptions): Promise<ResetResult<Obs, string>> {
          this.started = true;
          return super.reset(o);
        }
      })(),
  },
  'NaN reward': {
    property: 'reward-finite',
    make: () =>
      new (class extends Delegate {
        override async step(a: AgentRecord<string, Act>): Promise<Step> {
          return mapStep(await super.step(a), () => ({ rewards: NaN }));
        }
      })(),
  },
  'step after the end returns empty records': {
    property: 'step-after-end',
    make: () =>
      new (class extends Delegate {
        override async step(a: AgentRecord<string, Act>): Promise<Step> {
          if (this.inner.agents.length === 0 && Object.keys(a).length === 0)
            return { observations: {}, rewards: {}, terminations: {}, truncations: {}, infos: {} };
          return super.step(a);
        }
      })(),
  },
  'step before reset is accepted': {
    property: 'step-before-reset',
    make: () =>
      new (class extends Delegate {
        started = false;
        override reset(o?: ResetOptions): Promise<ResetResult<Obs, string>> {
          this.started = true;
          return super.reset(o);
        }
        override async step(a: AgentRecord<string, Act>): Promise<Step> {
          if (!this.started) return { observations: {}, rewards: {}, terminations: {}, truncations: {}, infos: {} };
          return super.step(a);
        }
      })(),
  },
  'NaN action silently replaced by 0': {
    property: 'invalid-action-throws',
    make: () =>
      new (class extends Delegate {
        override step(a: AgentRecord<string, Act>): Promise<Step> {
          const fixed = Object.fromEntries(Object.entries(a).map(([k, v]) => [k, Float32Array.from(v, (x) => (Number.isNaN(x) ? 0 : x))]));
          return super.step(fixed);
        }
      })(),
  },
  'invalid action throws a TypeError': {
    property: 'invalid-action-throws',
    make: () =>
      new (class extends Delegate {
        override async step(a: AgentRecord<string, Act>): Promise<Step> {
          try {
            return await super.step(a);
          } catch (e) {
            if (e instanceof InvalidActionError) throw new TypeError('bad action', { cause: e });
            throw e;
          }
        }
      })(),
  },
  'a plain object as observation space': {
    property: 'spaces-are-spaces',
    make: () =>
      new (class extends Delegate {
        readonly fake = { shape: [7], low: 0, high: 1 } as unknown as Box;
        override observationSpace(): Box {
          return this.fake;
        }
      })(),
  },
  'a new space on every call': {
    property: 'spaces-stable',
    make: () =>
      new (class extends Delegate {
        override observationSpace(agent: string): Box {
          const s = super.observationSpace(agent);
          return new Box(s.low, s.high, s.shape);
        }
      })(),
  },
  'an agent missing from infos': {
    property: 'step-keys',
    make: () =>
      new (class extends Delegate {
        override async step(a: AgentRecord<string, Act>): Promise<Step> {
          const r = await super.step(a);
          const { agent_0: _gone, ...infos } = r.infos;
          return { ...r, infos };
        }
      })(),
  },
  'an extra observation at reset': {
    property: 'reset-keys',
    make: () =>
      new (class extends Delegate {
        override async reset(o?: ResetOptions): Promise<ResetResult<Obs, string>> {
          const r = await super.reset(o);
          return { ...r, observations: { ...r.observations, ghost: r.observations.agent_0 } };
        }
      })(),
  },
  'one observation buffer reused': {
    property: 'obs-not-aliased',
    make: () =>
      new (class extends Delegate {
        buf = new Map<string, Float32Array>();
        override async step(a: AgentRecord<string, Act>): Promise<Step> {
          const r = await super.step(a);
          return mapStep(r, (agent) => {
            const b = this.buf.get(agent) ?? new Float32Array(r.observations[agent].length);
            b.set(r.observations[agent]);
            this.buf.set(agent, b);
            return { observations: b };
          });
        }
      })(),
  },
  'NaN in the global state': {
    property: 'state-in-space',
    make: () =>
      new (class extends Delegate {
        override state(): Float32Array {
          const s = super.state();
          s[0] = NaN;
          return s;
        }
      })(),
  },
  'duplicate agent names': {
    property: 'possible-agents',
    make: () =>
      new (class extends Delegate {
        override get possibleAgents(): readonly string[] {
          return ['agent_0', 'agent_0', 'agent_1'];
        }
      })(),
  },
  'truncations as numbers': {
    property: 'done-flags-boolean',
    make: () =>
      new (class extends Delegate {
        override async step(a: AgentRecord<string, Act>): Promise<Step> {
          const r = await super.step(a);
          return mapStep(r, (agent) => ({ truncations: r.truncations[agent] ? 1 : 0 }));
        }
      })(),
  },
  'softmax applied to the actions in place': {
    property: 'actions-not-mutated',
    make: () =>
      new (class extends Delegate {
        override step(a: AgentRecord<string, Act>): Promise<Step> {
          for (const v of Object.values(a)) v.fill(0.5);
          return super.step(a);
        }
      })(),
  },
  'close twice throws': {
    property: 'close-idempotent',
    make: () =>
      new (class extends Delegate {
        closed = false;
        override close(): Promise<void> {
          if (this.closed) throw new Error('already closed');
          this.closed = true;
          return super.close();
        }
      })(),
  },
  'episodes longer than the limit': {
    property: 'episode-ends',
    make: () => new Delegate({ horizon: 10_000 }),
    opts: { maxEpisodeSteps: 50, steps: 20 },
  },
  'sample outside its own space': {
    property: 'space-sample-contained',
    make: () =>
      new (class extends Delegate {
        readonly weird = Object.assign(new Box(0, 1, [3]), { sampleWith: () => Float32Array.of(2, 2, 2) });
        override actionSpace(): Box {
          return this.weird;
        }
      })(),
  },
  'metadata without autoreset': {
    property: 'metadata',
    make: () =>
      new (class extends Delegate {
        override get metadata(): EnvMetadata {
          return { name: 'x' } as unknown as EnvMetadata;
        }
      })(),
  },
  'null info': {
    property: 'infos-objects',
    make: () =>
      new (class extends Delegate {
        override async step(a: AgentRecord<string, Act>): Promise<Step> {
          return mapStep(await super.step(a), () => ({ infos: null }));
        }
      })(),
  },
  'a valid step throws': {
    property: 'valid-calls-succeed',
    make: () =>
      new (class extends Delegate {
        n = 0;
        override step(a: AgentRecord<string, Act>): Promise<Step> {
          if (++this.n === 3) throw new RangeError('boom');
          return super.step(a);
        }
      })(),
  },
};

test('CoordinationGameEnv passes every property, from a factory and from an instance', async () => {
  const r = await checkParallelEnv(() => new CoordinationGameEnv());
  assert.deepEqual(r.problems, []);
  assert.equal(r.ok, true);
  assert.deepEqual(r.checked, [...ENV_CHECK_PROPERTIES]);
  const single = await checkParallelEnv(new CoordinationGameEnv({ nAgents: 1, nOptions: 2, horizon: 1 }));
  assert.deepEqual(single.problems, []);
  await assertParallelEnv(() => new CoordinationGameEnv({ nAgents: 5, nOptions: 4, horizon: 3, cueNoise: 0.3 }), { seed: 7, steps: 150 });
});

for (const [name, { property, make, opts }] of Object.entries(broken)) {
  test(`checker fails "${property}" for an env with ${name}`, async () => {
    const r = await checkParallelEnv(make, opts);
    assert.equal(r.ok, false);
    const found = r.problems.filter((p) => p.property === property);
    assert.ok(found.length > 0, `expected a "${property}" problem, got:\n${r.problems.map((p) => `[${p.property}] ${p.message}`).join('\n')}`);
    for (const p of r.problems) assert.match(p.message, /Fix: /, `message without a fix: ${p.message}`);
  });
}

test('every property id has a broken variant above', () => {
  const covered = new Set(Object.values(broken).map((b) => b.property));
  assert.deepEqual(
    ENV_CHECK_PROPERTIES.filter((p) => !covered.has(p)),
    [],
  );
});

test('a nondeterministic env is not blamed for invalid-action-keeps-state', async () => {
  const r = await checkParallelEnv(broken['global counter in the reward'].make);
  assert.deepEqual(
    r.problems.map((p) => p.property),
    ['determinism'],
  );
});

test('obs-in-space message names the agent, the space and the entry', async () => {
  const r = await checkParallelEnv(broken['observation with NaN'].make);
  const msg = r.problems.find((p) => p.property === 'obs-in-space')?.message ?? '';
  assert.match(msg, /agent "agent_\d"/);
  assert.match(msg, /Box\(0, 1, \[7\], float32\)/);
  assert.match(msg, /entry 2 is NaN/);
});

test('assertParallelEnv throws EnvCheckError listing every failed property', async () => {
  const make = () =>
    new (class extends Delegate {
      override async step(a: AgentRecord<string, Act>): Promise<Step> {
        return mapStep(await super.step(a), () => ({ rewards: Infinity, infos: null }));
      }
    })();
  await assert.rejects(assertParallelEnv(make), (e: unknown) => {
    assert.ok(e instanceof EnvCheckError);
    assert.deepEqual([...new Set(e.problems.map((p) => p.property))].sort(), ['infos-objects', 'reward-finite']);
    assert.match(e.message, /\[reward-finite\]/);
    assert.match(e.message, /\[infos-objects\]/);
    return true;
  });
});

test('skip leaves a property unchecked', async () => {
  const r = await checkParallelEnv(broken['NaN reward'].make, { skip: ['reward-finite'] });
  assert.equal(r.ok, true, JSON.stringify(r.problems));
  assert.ok(!r.checked.includes('reward-finite'));
});

test('a reset env passed as an instance needs step-before-reset skipped', async () => {
  const env = new CoordinationGameEnv();
  await env.reset({ seed: 1 });
  const r = await checkParallelEnv(env);
  assert.deepEqual(
    r.problems.map((p) => p.property),
    ['step-before-reset'],
  );
  assert.equal((await checkParallelEnv(env, { skip: ['step-before-reset'] })).ok, true);
});

test('firstDifference finds the path of the first differing value', () => {
  assert.equal(firstDifference({ a: [1, 2], b: Float32Array.of(1, NaN) }, { a: [1, 2], b: Float32Array.of(1, NaN) }), null);
  assert.equal(firstDifference({ a: [1, 2] }, { a: [1, 3] }), 'a[1]: 2 vs 3');
  assert.match(firstDifference({ a: 1 }, { b: 1 }) ?? '', /keys \[a\] vs \[b\]/);
  assert.match(firstDifference(Float32Array.of(1), [1]) ?? '', /Float32Array/);
});

test('agents that leave at different times are handled (staggered terminations)', async () => {
  const r = await checkParallelEnv(() => new StaggeredEnv(4));
  assert.deepEqual(r.problems, []);
  assert.ok(!r.checked.includes('state-in-space'));
});

test('step errors of CoordinationGameEnv are typed', async () => {
  const env = new CoordinationGameEnv();
  await assert.rejects(env.step({}), EnvStateError);
  await env.reset({ seed: 3 });
  await assert.rejects(env.step({}), InvalidActionError);
});
