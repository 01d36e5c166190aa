import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/initBackend.js';
import { makeAlgorithm } from '../../src/algos/makeAlgorithm.js';
import { Trainer } from '../../src/algos/Trainer.js';
import { evaluatePolicy } from '../../src/algos/evaluatePolicy.js';
import { Rng } from '../../src/core/Rng.js';
import { Box } from '../../src/core/spaces.js';
import type { HasGlobalState, ParallelEnv, ResetOptions } from '../../src/core/ParallelEnv.js';

await initBackend();

const NAMES = ['__proto__', 'constructor', 'toString'] as const;

/** One-step episodes; every agent sees a random number and is rewarded for matching its sign. */
class NamesEnv implements ParallelEnv<Float32Array, Float32Array>, HasGlobalState {
  readonly possibleAgents = NAMES;
  agents: readonly string[] = [];
  readonly metadata = { name: 'Names', renderModes: [], autoreset: 'none' as const };
  readonly stateSpace = new Box(-1, 1, [3]);
  private readonly obs = new Box(-1, 1, [1]);
  private readonly act = new Box(-1, 1, [1]);
  private rng = new Rng(0);
  private x = new Float32Array(3);
  observationSpace(): Box {
    return this.obs;
  }
  actionSpace(): Box {
    return this.act;
  }
  state(): Float32Array {
    return this.x.slice();
  }
  private observations(): Record<string, Float32Array> {
    return Object.fromEntries(NAMES.map((a, i) => [a, Float32Array.of(this.x[i])]));
  }
  async reset(opts: ResetOptions = {}) {
    if (opts.seed !== undefined) this.rng = new Rng(opts.seed);
    this.x = Float32Array.from(NAMES, () => this.rng.next() * 2 - 1);
    this.agents = [...NAMES];
    return { observations: this.observations(), infos: Object.fromEntries(NAMES.map((a) => [a, {}])) };
  }
  async step(actions: Record<string, Float32Array>) {
    const ok = NAMES.map((a, i) => Math.sign(actions[a][0]) === Math.sign(this.x[i]));
    this.agents = [];
    const rec = <T>(f: (i: number) => T) => Object.fromEntries(NAMES.map((a, i) => [a, f(i)]));
    return {
      observations: this.observations(),
      rewards: rec((i) => (ok[i] ? 1 : 0)),
      terminations: rec(() => true),
      truncations: rec(() => false),
      infos: rec((i) => ({ success: ok[i] })),
    };
  }
  async close(): Promise<void> {}
}

test('agents named __proto__, constructor and toString train and act as plain keys (PPO, IPPO, MAPPO)', async () => {
  for (const algo of ['ppo', 'ippo', 'mappo'] as const) {
    const a =
      algo === 'mappo'
        ? makeAlgorithm([new NamesEnv(), new NamesEnv()], { algo, seed: 1, numSteps: 8, totalSteps: 32, hidden: [8] })
        : makeAlgorithm([new NamesEnv(), new NamesEnv()], { algo, seed: 1, numSteps: 8, totalSteps: 32, hidden: [8] });
    const metrics = await new Trainer(a).run();
    assert.equal(metrics.length, 2);
    assert.deepEqual(Object.keys(metrics[0].meanAction).sort(), [...NAMES].sort(), algo);
    const p = a.envPolicy();
    const r = p.act((await new NamesEnv().reset({ seed: 3 })).observations, new Rng(0));
    for (const n of NAMES) {
      assert.ok(Object.hasOwn(r.actions, n) && r.actions[n] instanceof Float32Array, `${algo}: action of ${n}`);
      assert.equal(typeof r.logProbs[n], 'number', `${algo}: log-prob of ${n}`);
    }
    const res = await evaluatePolicy(p, new NamesEnv(), { episodes: 5 });
    assert.ok(Number.isFinite(res.meanReturn));
    a.dispose();
  }
});
