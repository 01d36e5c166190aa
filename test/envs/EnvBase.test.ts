import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertParallelEnv } from '../../src/core/checkParallelEnv.js';
import { EnvStateError, InvalidActionError, UnknownAgentError } from '../../src/core/errors.js';
import type { AgentRecord, ParallelEnv, ResetResult, StepResult } from '../../src/core/ParallelEnv.js';
import type { Rng } from '../../src/core/Rng.js';
import { Box, Discrete } from '../../src/core/spaces.js';
import { EnvBase, type AgentSpaces } from '../../src/envs/EnvBase.js';
import { CoordinationGameEnv } from '../../src/envs/CoordinationGameEnv.js';
import { AnswerEnsembleEnv } from '../../src/envs/AnswerEnsembleEnv.js';
import { FocalEnv } from '../../src/envs/FocalEnv.js';
import { syntheticAnswers } from '../../src/testing/syntheticAnswers.js';

/** Two agents guess a seeded coin; the smallest env the base can host. */
class CoinEnv extends EnvBase<Box, Discrete> {
  readonly possibleAgents = ['a', 'b'];
  readonly metadata = { name: 'Coin-v0', renderModes: [], autoreset: 'none' as const };
  private readonly spaces = { observation: new Box(0, 1, [1]), action: new Discrete(2) };
  private coin = 0;
  protected spacesOf(): AgentSpaces<Box, Discrete> {
    return this.spaces;
  }
  protected startEpisode(rng: Rng): ResetResult<Float32Array, string> {
    this.coin = rng.int(2);
    return this.resetResult(() => new Float32Array(1), { seen: [] });
  }
  protected applyStep(actions: AgentRecord<string, number>): StepResult<Float32Array, string> {
    const result = this.stepResult({
      observation: () => Float32Array.of(this.coin),
      reward: (a) => (actions[a] === this.coin ? 1 : 0),
      terminated: true,
      truncated: false,
      info: { coin: this.coin, seen: [this.coin] },
    });
    this.endEpisode();
    return result;
  }
}

test('a subclass written against EnvBase passes checkParallelEnv', async () => {
  await assertParallelEnv(() => new CoinEnv());
});

test('reset({seed}) is the seeding entry: the same seed replays, no seed continues the stream', async () => {
  const coins = async (env: CoinEnv, seeds: (number | undefined)[]): Promise<number[]> => {
    const out: number[] = [];
    for (const seed of seeds) {
      await env.reset(seed === undefined ? {} : { seed });
      const r = await env.step({ a: 0, b: 1 });
      out.push(r.rewards.a === 1 ? 0 : 1);
    }
    return out;
  };
  const first = await coins(new CoinEnv(), [7, undefined, undefined, undefined, undefined, undefined]);
  assert.deepEqual(await coins(new CoinEnv(), [7, undefined, undefined, undefined, undefined, undefined]), first);
  // Unseeded first reset behaves as seed 0.
  assert.deepEqual(await coins(new CoinEnv(), [undefined, undefined]), await coins(new CoinEnv(), [0, undefined]));
});

test('live agents, closed state and the one unknown-agent error', async () => {
  const env = new CoinEnv();
  assert.deepEqual(env.agents, []);
  assert.equal(env.unwrapped, env);
  await assert.rejects(env.step({ a: 0, b: 0 }), (e: unknown) => e instanceof EnvStateError && /before reset/.test(e.message));
  await env.reset({ seed: 1 });
  const held = env.agents;
  assert.deepEqual(held, ['a', 'b']);
  await env.step({ a: 0, b: 0 });
  assert.deepEqual(env.agents, []);
  assert.deepEqual(held, ['a', 'b'], 'a caller’s copy of agents never shifts');
  await assert.rejects(env.step({ a: 0, b: 0 }), (e: unknown) => e instanceof EnvStateError && /episode ended/.test(e.message));
  await env.close();
  await env.close();
  assert.equal(env.closed, true);
  await assert.rejects(env.reset(), (e: unknown) => e instanceof EnvStateError && /after close\(\): create a new CoinEnv/.test(e.message));
  for (const other of [
    new CoinEnv(),
    new CoordinationGameEnv(),
    new AnswerEnsembleEnv({ data: syntheticAnswers({ seed: 1 }) }),
    new FocalEnv({ data: syntheticAnswers({ seed: 1 }) }),
  ] as ParallelEnv<unknown, unknown>[]) {
    for (const call of [() => other.observationSpace('nobody'), () => other.actionSpace('nobody')]) {
      assert.throws(
        call,
        (e: unknown) =>
          e instanceof UnknownAgentError &&
          e.agent === 'nobody' &&
          /unknown agent "nobody": this env has agents .*Use one of env\.possibleAgents\./.test(e.message),
      );
    }
  }
});

test('validateActions names agent, value and space, and a rejected step changes nothing', async () => {
  const env = new CoinEnv();
  await env.reset({ seed: 3 });
  const bad: [unknown, RegExp][] = [
    [null, /"\(all\)"/],
    [{ a: 0 }, /agent "b".*Every live agent must act/],
    [{ a: 0, b: 2 }, /agent "b": 2 is not in Discrete\(2\)\. 2 is outside 0\.\.1/],
    [{ a: 0, b: 1, c: 0 }, /agent "c".*not a live agent/],
  ];
  for (const [actions, re] of bad) {
    await assert.rejects(env.step(actions as AgentRecord<string, number>), (e: unknown) => e instanceof InvalidActionError && re.test(e.message));
  }
  assert.deepEqual(env.agents, ['a', 'b']);
  const r = await env.step({ a: 0, b: 1 });
  assert.equal(r.rewards.a + r.rewards.b, 1);
});

test('every agent gets its own infos object, in every env', async () => {
  const env = new CoinEnv();
  const reset = await env.reset({ seed: 0 });
  assert.notEqual(reset.infos.a, reset.infos.b);
  const r = await env.step({ a: 0, b: 0 });
  assert.notEqual(r.infos.a, r.infos.b);
  (r.infos.a.seen as number[]).push(9);
  assert.deepEqual(r.infos.b.seen, [r.infos.b.coin]);
  const answer = new AnswerEnsembleEnv({ data: syntheticAnswers({ seed: 2 }) });
  await answer.reset({ seed: 0 });
  const [x, y] = answer.possibleAgents;
  const s = await answer.step(Object.fromEntries(answer.possibleAgents.map((a) => [a, Float32Array.of(0)])));
  assert.notEqual(s.infos[x], s.infos[y]);
  assert.notEqual(s.infos[x].weights, s.infos[y].weights);
  assert.deepEqual(s.infos[x], s.infos[y]);
});

test('actionMask(agent) is published as infos[agent].actionMask (a fresh copy) while the agent is live', async () => {
  class MaskedCoinEnv extends CoinEnv {
    override actionMask(agent: string): Uint8Array | undefined {
      return agent === 'b' ? Uint8Array.of(0, 1) : undefined;
    }
  }
  const env = new MaskedCoinEnv();
  const r = await env.reset({ seed: 0 });
  assert.deepEqual(r.infos.b.actionMask, Uint8Array.of(0, 1));
  assert.equal('actionMask' in r.infos.a, false);
  const s = await env.step({ a: 0, b: 1 });
  assert.equal('actionMask' in s.infos.b, false, 'no mask once the episode has ended');
});

test('the answer envs give the mask of the padded options (optionMask) in infos after reset', async () => {
  const data = syntheticAnswers({ seed: 5 });
  for (const env of [new AnswerEnsembleEnv({ data }), new FocalEnv({ data })]) {
    const r = await env.reset({ seed: 1 });
    const item = data.items[env.currentItem];
    const expected = Uint8Array.from({ length: data.maxOptions }, (_, i) => (i < item.numOptions ? 1 : 0));
    for (const a of env.possibleAgents) assert.deepEqual(r.infos[a].optionMask, expected);
    assert.deepEqual(env.optionMask(), expected);
  }
});
