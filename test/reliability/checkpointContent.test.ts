// Checkpoints whose checksum is valid but whose payload is not a usable state: not JSON, null, an
// array, a missing policy, sizes that would allocate gigabytes, negative or fractional counters,
// weights or optimizer moments of the wrong length, an unknown config field. Each is refused by
// readCheckpoint and by resumeFromCheckpoint with a CheckpointError naming the file and the field,
// before any network is built, and the `export` and `eval` commands exit 2 with that message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/initBackend.js';
import { CheckpointError, readCheckpoint, resumeFromCheckpoint } from '../../src/algos/checkpoint.js';
import { makeAlgorithm } from '../../src/algos/makeAlgorithm.js';
import { cli, withSyntheticAnswers } from '../support/cliHarness.js';
import { CRASH_RUN_CONFIG, crashRunEnvs } from './crashRun.js';

const work = mkdtempSync(join(tmpdir(), 'leg-ckpt-content-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

/** A checkpoint file holding `payload` with a correct checksum. */
function withPayload(name: string, payload: string): string {
  const path = join(work, `${name.replace(/[^a-z0-9]+/gi, '-')}.json`);
  const checksum = createHash('sha256').update(payload).digest('hex');
  writeFileSync(path, JSON.stringify({ format: 'llm-ensemble-gym/checkpoint', version: 1, checksum, payload }));
  return path;
}

type State = Record<string, any>;
const edit = (s: State, f: (c: State) => void): string => {
  const c = structuredClone(s);
  f(c);
  return JSON.stringify(c);
};

test('checkpoints with a valid checksum but bad content are refused with CheckpointError naming the field', async () => {
  await initBackend({ force: 'cpu' });
  const algo = makeAlgorithm(crashRunEnvs(), CRASH_RUN_CONFIG);
  await algo.iterate();
  const good = algo.saveState() as unknown as State;
  algo.dispose();
  const goodPath = withPayload('good', JSON.stringify(good));
  assert.equal(readCheckpoint(goodPath).iteration, 1);

  const cases: Array<[string, string, RegExp]> = [
    ['payload not JSON', '{"config": ', /payload is not valid JSON/],
    ['payload null', 'null', /payload/],
    ['payload an array', '[1, 2]', /payload/],
    ['payload a string', '"x"', /payload/],
    ['hidden [100000, 100000]', edit(good, (c) => (c.policy.spec.hidden = [100000, 100000])), /hidden/],
    [
      'hidden in the config too',
      edit(good, (c) => {
        c.policy.spec.hidden = [100000, 100000];
        c.config.hidden = [100000, 100000];
      }),
      /hidden/,
    ],
    ['no policy', edit(good, (c) => delete c.policy), /policy/],
    ['policy null', edit(good, (c) => (c.policy = null)), /policy/],
    ['no policy weights', edit(good, (c) => delete c.policy.weights), /weights/],
    [
      'weights one float short',
      edit(good, (c) => (c.policy.weights = Buffer.from(Buffer.from(c.policy.weights, 'base64').subarray(4)).toString('base64'))),
      /weights/,
    ],
    ['obsDim 1e9', edit(good, (c) => (c.policy.spec.groups[0].obsDim = 1e9)), /obsDim/],
    ['head dim 1e9', edit(good, (c) => (c.policy.spec.groups[0].head = { type: 'leaf', kind: 'gaussian', dim: 1e9, transform: 'identity' })), /dim/],
    ['iteration -5', edit(good, (c) => (c.iteration = -5)), /iteration/],
    ['iteration 1.5', edit(good, (c) => (c.iteration = 1.5)), /iteration/],
    ['globalStep "8"', edit(good, (c) => (c.globalStep = '8')), /globalStep/],
    ['optimizer moments short', edit(good, (c) => c.optimizer.m.pop()), /optimizer/],
    ['optimizer missing', edit(good, (c) => delete c.optimizer), /optimizer/],
    ['value norms missing', edit(good, (c) => delete c.valueNorms), /valueNorms/],
    ['value norm count -1', edit(good, (c) => (c.valueNorms[0].count = -1)), /valueNorms/],
    ['rng state missing', edit(good, (c) => delete c.rngs.act), /rngs/],
    ['episodes not a list', edit(good, (c) => (c.episodes = {})), /episodes/],
    ['unknown config field', edit(good, (c) => (c.config.bogus = 1)), /config/],
    ['config learning rate NaN (null in JSON)', edit(good, (c) => (c.config.learningRate = null)), /learningRate/],
    ['no config', edit(good, (c) => delete c.config), /config/],
  ];
  let refused = 0;
  for (const [what, payload, field] of cases) {
    const path = withPayload(what, payload);
    const before = readFileSync(path, 'utf8');
    assert.throws(
      () => readCheckpoint(path),
      (e: unknown) => e instanceof CheckpointError && e.message.includes(path) && field.test(e.message),
      what,
    );
    await assert.rejects(resumeFromCheckpoint(path, crashRunEnvs()), (e: unknown) => e instanceof CheckpointError && field.test(e.message), what);
    assert.equal(readFileSync(path, 'utf8'), before);
    refused++;
  }
  console.log(`reliability: ${refused} checkpoints with a valid checksum and bad content refused with CheckpointError by read and resume`);
});

test('export and eval exit 2 naming the field for a checkpoint without a policy or with iteration -5', () => {
  const noPolicy = withPayload('cli-no-policy', JSON.stringify({ config: {}, iteration: 0 }));
  const exp = cli(['export', '--checkpoint', noPolicy, '--out', join(work, 'exported')]);
  assert.equal(exp.status, 2, exp.stderr);
  assert.match(exp.stderr, /CheckpointError|checkpoint .*policy/);
  assert.match(exp.stderr, /policy/);
  withSyntheticAnswers('leg-ckpt-eval-', { numItems: 20, seed: 1 }, (_dir, data) => {
    const path = withPayload('cli-iteration', JSON.stringify({ config: {}, iteration: -5 }));
    const ev = cli(['eval', '--checkpoint', path, '--env', 'answer', '--data', data]);
    assert.equal(ev.status, 2, ev.stderr);
    assert.match(ev.stderr, /checkpoint .*iteration/);
  });
});
