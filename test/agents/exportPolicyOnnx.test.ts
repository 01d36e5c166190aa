import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/initBackend.js';
import { ActionHead } from '../../src/agents/ActionHead.js';
import { MlpActorCritic } from '../../src/agents/MlpActorCritic.js';
import { exportPolicyOnnx, OnnxPolicy } from '../../src/agents/exportPolicyOnnx.js';
import { Rng } from '../../src/core/Rng.js';
import { ConfigError } from '../../src/core/errors.js';
import { Box, Dict, Discrete, MultiBinary, Simplex, type Space } from '../../src/core/spaces.js';

await initBackend();

const SPACES: Record<string, Space<unknown>> = {
  gaussian: new Box(-Infinity, Infinity, [5]),
  dirichlet: new Simplex(4),
  mixed: new Dict({ include: new MultiBinary(3), pick: new Discrete(4), weights: new Simplex(3) }),
};

for (const [name, space] of Object.entries(SPACES)) {
  test(`ONNX actor (${name} head) matches tfjs action means within 1e-5 at batch 1 and 64`, async () => {
    const policy = new MlpActorCritic({
      groups: [{ members: ['a', 'b'], obsDim: 6, criticDim: 6, head: ActionHead.fromSpace(space).tree }],
      hidden: [16, 16],
      initLogStd: 0,
      criticInput: 'observation',
      seed: 11,
    });
    // larger weights than the 0.01-gain init so the head's nonlinearity is exercised
    const rng = new Rng(2);
    policy.setWeights(policy.getWeights().map((w) => w + 0.3 * rng.normal()));
    const path = join(mkdtempSync(join(tmpdir(), 'leg-onnx-')), 'actor.onnx');
    exportPolicyOnnx(policy, path);
    const onnx = await OnnxPolicy.load(path);
    for (const rows of [1, 64]) {
      const x = Float32Array.from({ length: rows * policy.groups[0].actorIn }, () => rng.normal());
      const want = policy.meanBatch(0, x, rows);
      const got = await onnx.mean(x, rows);
      assert.equal(got.length, want.length);
      for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-5, `${name} rows=${rows} [${i}]: onnx ${got[i]} vs tfjs ${want[i]}`);
    }
    await onnx.dispose();
    policy.dispose();
  });
}

test('exportPolicyOnnx rejects a group index the policy does not have', () => {
  const policy = new MlpActorCritic({
    groups: [{ members: ['a'], obsDim: 2, criticDim: 2, head: ActionHead.fromSpace(new Simplex(2)).tree }],
    hidden: [4],
    initLogStd: 0,
    criticInput: 'observation',
    seed: 0,
  });
  assert.throws(
    () => exportPolicyOnnx(policy, join(tmpdir(), 'never.onnx'), 3),
    (e: unknown) => e instanceof ConfigError && e.field === 'group',
  );
  policy.dispose();
});
