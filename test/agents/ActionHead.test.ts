import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/initBackend.js';
import { ActionHead } from '../../src/agents/ActionHead.js';
import { digamma, lgamma } from '../../src/agents/specialFunctions.js';
import { Rng } from '../../src/core/Rng.js';
import { Box, Dict, Discrete, MultiBinary, MultiDiscrete, Simplex } from '../../src/core/spaces.js';

await initBackend();

const HEADS = {
  gaussian: ActionHead.fromSpace(new Box(-Infinity, Infinity, [3])),
  dirichlet: ActionHead.fromSpace(new Simplex(4)),
  bernoulli: ActionHead.fromSpace(new MultiBinary(3)),
  categorical: ActionHead.fromSpace(new Discrete(5)),
  dict: ActionHead.fromSpace(new Dict({ include: new MultiBinary(3), weights: new Simplex(3), pick: new MultiDiscrete([2, 3]) })),
};

function evalHead(head: ActionHead, out: Float32Array, logStd: Float32Array, raw: Float32Array, rows: number) {
  return tf.tidy(() => {
    const r = head.logProbEntropy(tf.tensor2d(out, [rows, head.dim]), tf.tensor1d(logStd), tf.tensor2d(raw, [rows, head.dim]));
    return { logProb: r.logProb.dataSync() as Float32Array, entropy: r.entropy.dataSync() as Float32Array };
  });
}

const outputs = (dim: number) => fc.array(fc.float({ min: -6, max: 6, noNaN: true }), { minLength: dim, maxLength: dim }).map((a) => Float32Array.from(a));

test('lgamma and digamma match reference values', () => {
  const xs = [0.001, 0.1, 0.5, 1, 2.5, 7, 30, 300];
  const lg = [6.907178885, 2.252712652, 0.572364943, 0, 0.28468287, 6.579251212, 71.257038967, 1409.202067];
  const dg = [-1000.5755719, -10.4237549, -1.96351, -0.5772157, 0.7031566, 1.8727843, 3.3844381, 5.7021149];
  const [a, b] = tf.tidy(() => [lgamma(tf.tensor1d(xs)).dataSync(), digamma(tf.tensor1d(xs)).dataSync()]);
  xs.forEach((_, i) => {
    assert.ok(Math.abs(a[i] - lg[i]) <= 1e-4 * Math.max(1, Math.abs(lg[i])), `lgamma(${xs[i]}) = ${a[i]}, want ${lg[i]}`);
    assert.ok(Math.abs(b[i] - dg[i]) <= 1e-4 * Math.max(1, Math.abs(dg[i])), `digamma(${xs[i]}) = ${b[i]}, want ${dg[i]}`);
  });
});

for (const [name, head] of Object.entries(HEADS)) {
  test(`${name}: log-probs and entropies of sampled actions are finite`, () => {
    fc.assert(
      fc.property(outputs(head.dim), fc.integer({ min: 0, max: 1e6 }), fc.boolean(), (out, seed, det) => {
        const logStd = new Float32Array(head.dim).fill(-0.5);
        const raw = head.sample(out, logStd, 1, new Rng(seed), det);
        const { logProb, entropy } = evalHead(head, out, logStd, raw, 1);
        return Number.isFinite(logProb[0]) && Number.isFinite(entropy[0]);
      }),
      { numRuns: 200 },
    );
  });
}

test('Dirichlet samples lie on the simplex and become valid env actions', () => {
  const space = new Simplex(4);
  const head = HEADS.dirichlet;
  fc.assert(
    fc.property(outputs(4), fc.integer({ min: 0, max: 1e6 }), (out, seed) => {
      const raw = head.sample(out, new Float32Array(4), 1, new Rng(seed), false);
      const sum = raw.reduce((a, b) => a + b, 0);
      return raw.every((x) => x > 0) && Math.abs(sum - 1) < 1e-5 && space.contains(head.toEnvAction(raw, 0));
    }),
    { numRuns: 200 },
  );
});

test('sampled env actions are contained in their action space (Dict of Bernoulli, Dirichlet, Categorical)', () => {
  const space = new Dict({ include: new MultiBinary(3), weights: new Simplex(3), pick: new MultiDiscrete([2, 3]) });
  fc.assert(
    fc.property(outputs(HEADS.dict.dim), fc.integer({ min: 0, max: 1e6 }), (out, seed) => {
      const raw = HEADS.dict.sample(out, new Float32Array(HEADS.dict.dim), 1, new Rng(seed), false);
      return space.contains(HEADS.dict.toEnvAction(raw, 0));
    }),
    { numRuns: 200 },
  );
});

// Each run draws 4000 samples, so this property uses 40 runs (still ~160k samples per family).
for (const name of ['gaussian', 'dirichlet', 'bernoulli', 'categorical', 'dict'] as const) {
  test(`${name}: entropy matches a Monte Carlo estimate of E[-log p]`, () => {
    const head = HEADS[name];
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -2, max: 2, noNaN: true }), { minLength: head.dim, maxLength: head.dim }),
        fc.integer({ min: 0, max: 1e6 }),
        (o, seed) => {
          const M = 4000;
          const out = new Float32Array(M * head.dim);
          for (let r = 0; r < M; r++) out.set(o, r * head.dim);
          const logStd = Float32Array.from({ length: head.dim }, (_, i) => -0.3 + 0.1 * i);
          const raw = head.sample(out, logStd, M, new Rng(seed), false);
          const { logProb, entropy } = evalHead(head, out, logStd, raw, M);
          let mean = 0;
          for (const lp of logProb) mean -= lp / M;
          let v = 0;
          for (const lp of logProb) v += (-lp - mean) ** 2 / (M - 1);
          const se = Math.sqrt(v / M);
          return Math.abs(mean - entropy[0]) <= 5 * se + 1e-3;
        },
      ),
      { numRuns: 40 },
    );
  });
}

test('Gaussian log-prob/entropy gradients (hand-written) equal autodiff of the textbook formula', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 1e6 }), (B, d, seed) => {
      const head = ActionHead.fromSpace(new Box(-Infinity, Infinity, [d]));
      const rng = new Rng(seed);
      const r = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
      const mu = tf.variable(tf.tensor2d(r(B * d), [B, d]));
      const ls = tf.variable(tf.tensor1d(r(d).map((v) => 0.3 * v)));
      const x = tf.tensor2d(r(B * d), [B, d]);
      const [wl, we] = [tf.tensor1d(r(B)), tf.tensor1d(r(B))];
      const mine = tf.variableGrads(() => {
        const o = head.logProbEntropy(mu as tf.Tensor2D, ls as tf.Tensor1D, x);
        return tf.add(tf.sum(tf.mul(o.logProb, wl)), tf.sum(tf.mul(o.entropy, we))) as tf.Scalar;
      }, [mu, ls]);
      const ref = tf.variableGrads(() => {
        const sd = tf.exp(ls);
        const lp = tf.sum(tf.sub(tf.mul(tf.square(tf.div(tf.sub(x, mu), sd)), -0.5), tf.add(ls, 0.5 * Math.log(2 * Math.PI))), 1);
        const ent = tf.mul(tf.onesLike(lp), tf.sum(tf.add(ls, 0.5 + 0.5 * Math.log(2 * Math.PI))));
        return tf.add(tf.sum(tf.mul(lp, wl)), tf.sum(tf.mul(ent, we))) as tf.Scalar;
      }, [mu, ls]);
      let ok = Math.abs(mine.value.dataSync()[0] - ref.value.dataSync()[0]) <= 1e-3 * (1 + Math.abs(ref.value.dataSync()[0]));
      for (const v of [mu, ls]) {
        const a = mine.grads[v.name].dataSync(),
          b = ref.grads[v.name].dataSync();
        for (let i = 0; i < a.length; i++) ok &&= Math.abs(a[i] - b[i]) <= 1e-4 * (1 + Math.abs(b[i]));
      }
      tf.dispose([mu, ls, x, wl, we, mine.value, ref.value, ...Object.values(mine.grads), ...Object.values(ref.grads)]);
      return ok;
    }),
    { numRuns: 200 },
  );
});

test('the JS entropies and log-prob/entropy backward equal the tfjs head and its autodiff (Gaussian, Bernoulli, a Dict of both)', () => {
  const heads = [HEADS.gaussian, HEADS.bernoulli, ActionHead.fromSpace(new Dict({ include: new MultiBinary(2), w: new Box(-1, 1, [2]) }))];
  assert.deepEqual(
    Object.entries(HEADS).map(([k, h]) => [k, h.hasJsBackward]),
    [
      ['gaussian', true],
      ['dirichlet', false],
      ['bernoulli', true],
      ['categorical', false],
      ['dict', false],
    ],
  );
  for (const [h, head] of heads.entries()) {
    assert.ok(head.hasJsBackward);
    const rows = 6;
    const rng = new Rng(h + 7);
    const out = Float32Array.from({ length: rows * head.dim }, () => 1.5 * rng.normal());
    const logStd = Float32Array.from({ length: head.dim }, () => 0.4 * rng.normal());
    const raw = head.sample(out, logStd, rows, rng, false);
    const dLp = Float32Array.from({ length: rows }, () => rng.normal());
    const dEnt = Float32Array.from({ length: rows }, () => rng.normal());
    const ref = evalHead(head, out, logStd, raw, rows);
    const ent = head.entropies(out, logStd, rows);
    for (let r = 0; r < rows; r++) assert.ok(Math.abs(ent[r] - ref.entropy[r]) < 1e-5, `entropy ${r}: ${ent[r]} vs ${ref.entropy[r]}`);
    const mine = head.logProbEntropyBackward(out, logStd, raw, rows, dLp, dEnt);
    const [o, ls] = [tf.variable(tf.tensor2d(out, [rows, head.dim])), tf.variable(tf.tensor1d(logStd))];
    const auto = tf.variableGrads(() => {
      const r = head.logProbEntropy(o as unknown as tf.Tensor2D, ls as unknown as tf.Tensor1D, tf.tensor2d(raw, [rows, head.dim]));
      return tf.add(tf.sum(tf.mul(r.logProb, tf.tensor1d(dLp))), tf.sum(tf.mul(r.entropy, tf.tensor1d(dEnt)))) as tf.Scalar;
    }, [o, ls]);
    const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
      assert.equal(a.length, b.length);
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-4 * (1 + Math.abs(b[i])), `${what} ${i}: ${a[i]} vs ${b[i]}`);
    };
    close(mine.dOut, auto.grads[o.name].dataSync(), 'dOut');
    // a head without Gaussian leaves does not read logStd: its gradient is zero
    close(mine.dLogStd, auto.grads[ls.name]?.dataSync() ?? new Float32Array(head.dim), 'dLogStd');
    tf.dispose([o, ls, auto.value, ...Object.values(auto.grads)]);
  }
});
