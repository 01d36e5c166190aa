import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UnionVocabulary } from '../../src/ensemble/UnionVocabulary.js';
import { mixDistributions, mixtureSize, tailIndex, type ModelDistribution } from '../../src/ensemble/mixDistributions.js';
import { InvalidActionError } from '../../src/core/errors.js';
import { EnsembleInputError } from '../../src/ensemble/EnsembleInputError.js';
import type { Tokenizer } from '../../src/models/Tokenizer.js';
import { ByteBpeTokenizer, CharTokenizer } from '../support/testTokenizers.js';

const toks: Tokenizer[] = [new CharTokenizer(), new ByteBpeTokenizer(), new CharTokenizer('xyz €')];
const vocab = UnionVocabulary.fromTokenizers(toks);

/** Log-probs of a random distribution over `n` ids. */
function logDist(n: number): fc.Arbitrary<Float32Array> {
  return fc.array(fc.double({ min: -8, max: 8, noNaN: true }), { minLength: n, maxLength: n }).map((xs) => {
    const mx = Math.max(...xs);
    const z = Math.log(xs.reduce((a, x) => a + Math.exp(x - mx), 0)) + mx;
    return Float32Array.from(xs, (x) => x - z);
  });
}

/** A top-k summary over a vocabulary of `n` ids with leftover mass. */
function topK(n: number): fc.Arbitrary<ModelDistribution> {
  return fc
    .tuple(fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: 5 }), fc.double({ min: 0.01, max: 0.99, noNaN: true }))
    .chain(([ids, kept]) =>
      fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: ids.length, maxLength: ids.length }).map((ps) => {
        const s = ps.reduce((a, b) => a + b, 0);
        return { ids: Int32Array.from(ids), logprobs: Float32Array.from(ps, (p) => Math.log((p / s) * kept)), restMass: 1 - kept };
      }),
    );
}

const dists = fc.tuple(...toks.map((t, i) => (i === 1 ? fc.oneof(logDist(t.vocabSize), topK(t.vocabSize)) : logDist(t.vocabSize))));
const simplex = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }).map((xs) => {
  const s = xs.reduce((a, b) => a + b, 0);
  return s > 0 ? xs.map((x) => x / s) : [1 / 3, 1 / 3, 1 / 3];
});

/** Model i's distribution carried over to the union (the reference the mixture must reproduce). */
function mapped(i: number, d: ModelDistribution): Float64Array {
  const out = new Float64Array(mixtureSize(vocab));
  const map = vocab.modelToUnion[i];
  if (d instanceof Float32Array) {
    let z = 0;
    for (const l of d) z += Math.exp(l);
    d.forEach((l, j) => (out[map[j] >= 0 ? map[j] : tailIndex(vocab)] += Math.exp(l) / z));
  } else {
    let z = d.restMass;
    for (const l of d.logprobs) z += Math.exp(l);
    d.ids.forEach((id, j) => (out[map[id] >= 0 ? map[id] : tailIndex(vocab)] += Math.exp(d.logprobs[j]) / z));
    out[tailIndex(vocab)] += d.restMass / z;
  }
  return out;
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-9) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `entry ${i}: ${a[i]} vs ${b[i]}`);
};

test('the mixture is a distribution over union + tail for simplex weights (full and top-k inputs)', () => {
  fc.assert(
    fc.property(dists, simplex, (ds, w) => {
      const out = mixDistributions(vocab, ds, w);
      assert.equal(out.length, vocab.size + 1);
      let s = 0;
      for (const p of out) {
        assert.ok(p >= 0);
        s += p;
      }
      assert.ok(Math.abs(s - 1) < 1e-5, `sum ${s}`);
    }),
    { numRuns: 200 },
  );
});

test("w = e_i reproduces model i's distribution mapped to the union", () => {
  fc.assert(
    fc.property(dists, fc.integer({ min: 0, max: 2 }), (ds, i) => {
      const w = [0, 0, 0];
      w[i] = 1;
      close(mixDistributions(vocab, ds, w), mapped(i, ds[i]));
    }),
    { numRuns: 200 },
  );
});

test('the mixture is linear in w', () => {
  fc.assert(
    fc.property(dists, simplex, simplex, fc.double({ min: 0, max: 1, noNaN: true }), (ds, a, b, t) => {
      const mix = a.map((x, i) => t * x + (1 - t) * b[i]);
      const ma = mixDistributions(vocab, ds, a);
      const mb = mixDistributions(vocab, ds, b);
      close(
        mixDistributions(vocab, ds, mix),
        ma.map((x, i) => t * x + (1 - t) * mb[i]),
      );
    }),
    { numRuns: 200 },
  );
});

test('permuting models together with their weights leaves the mixed text distribution unchanged', () => {
  fc.assert(
    fc.property(dists, simplex, (ds, w) => {
      const perm = [2, 0, 1];
      const pv = UnionVocabulary.fromTokenizers(perm.map((i) => toks[i]));
      const a = mixDistributions(vocab, ds, w);
      const b = mixDistributions(
        pv,
        perm.map((i) => ds[i]),
        perm.map((i) => w[i]),
      );
      // Union ids differ between the two vocabularies: compare probability per token text.
      const byText = (v: UnionVocabulary, m: Float64Array) => {
        const r = new Map<string, number>();
        for (let u = 0; u < v.size; u++) r.set(Array.from(v.bytes(u)).join(','), m[u]);
        r.set('tail', m[v.size]);
        return r;
      };
      const ra = byText(vocab, a),
        rb = byText(pv, b);
      assert.equal(ra.size, rb.size);
      for (const [k, p] of ra) assert.ok(Math.abs(p - (rb.get(k) ?? NaN)) < 1e-9, k);
    }),
    { numRuns: 200 },
  );
});

test('top-k leftover mass and non-EOS specials land on the tail entry', () => {
  const lp = new Float32Array(toks[0].vocabSize).fill(-Infinity);
  lp[toks[0].specialTokens.pad!] = Math.log(0.25);
  lp[toks[0].specialTokens.eos!] = Math.log(0.25);
  lp[toks[0].tokenToId('a')!] = Math.log(0.5);
  const k: ModelDistribution = { ids: Int32Array.of(toks[1].tokenToId('a')!), logprobs: Float32Array.of(Math.log(0.4)), restMass: 0.6 };
  const lp2 = new Float32Array(toks[2].vocabSize).fill(-Infinity);
  lp2[toks[2].tokenToId('x')!] = 0;
  const out = mixDistributions(vocab, [lp, k, lp2], [0.5, 0.5, 0]);
  const a = vocab.modelToUnion[0][toks[0].tokenToId('a')!];
  close([out[a], out[UnionVocabulary.EOS], out[tailIndex(vocab)]], [0.25 + 0.2, 0.125, 0.125 + 0.3], 1e-6);
});

test('reuses the out buffer and rejects bad weights and shapes', () => {
  const ds = toks.map((t) => new Float32Array(t.vocabSize));
  const out = new Float64Array(mixtureSize(vocab));
  assert.equal(mixDistributions(vocab, ds, [1, 0, 0], out), out);
  assert.throws(() => mixDistributions(vocab, ds, [NaN, 0.5, 0.5]), InvalidActionError);
  assert.throws(() => mixDistributions(vocab, ds, [-0.1, 0.6, 0.5]), InvalidActionError);
  const typed = (arg: string) => (e: unknown) => e instanceof EnsembleInputError && e.argument === arg;
  assert.throws(() => mixDistributions(vocab, ds, [1, 0]), typed('weights'));
  assert.throws(() => mixDistributions(vocab, ds.slice(1), [1, 0]), typed('dists'));
  assert.throws(() => mixDistributions(vocab, ds, [1, 0, 0], new Float64Array(3)), typed('out'));
  assert.throws(() => mixDistributions(vocab, [new Float32Array(2), ds[1], ds[2]], [1, 0, 0]), typed('dists[0]'));
  assert.throws(
    () => mixDistributions(vocab, [ds[0], { ids: Int32Array.of(0, 1), logprobs: Float32Array.of(0), restMass: 0 }, ds[2]], [0, 1, 0]),
    typed('dists[1]'),
  );
});

test('a NaN or +Infinity log-prob is an error naming the model and position, not a NaN mixture', () => {
  const ds = toks.map((t) => new Float32Array(t.vocabSize));
  for (const bad of [NaN, Infinity]) {
    const d = new Float32Array(toks[1].vocabSize);
    d[7] = bad;
    assert.throws(
      () => mixDistributions(vocab, [ds[0], d, ds[2]], [0.5, 0.5, 0]),
      (e: unknown) => e instanceof EnsembleInputError && e.argument === 'dists[1][7]' && /model 1, position 7/.test(e.message),
    );
    const k: ModelDistribution = { ids: Int32Array.of(3, 4), logprobs: Float32Array.of(-1, bad), restMass: 0.1 };
    assert.throws(
      () => mixDistributions(vocab, [ds[0], k, ds[2]], [0.5, 0.5, 0]),
      (e: unknown) => e instanceof EnsembleInputError && e.argument === 'dists[1][1]',
    );
    assert.throws(
      () => mixDistributions(vocab, [ds[0], { ...k, logprobs: Float32Array.of(-1, -2), restMass: bad }, ds[2]], [0.5, 0.5, 0]),
      (e: unknown) => e instanceof EnsembleInputError && e.argument === 'dists[1].restMass',
    );
  }
  assert.throws(
    () => mixDistributions(vocab, [new Float32Array(toks[0].vocabSize).fill(-Infinity), ds[1], ds[2]], [1, 0, 0]),
    (e: unknown) => e instanceof EnsembleInputError && /no probability mass/.test(e.message),
  );
});

test('a top-k whose total mass is subnormal still gives a finite mixture summing to the weight', () => {
  const ds = toks.map((t) => new Float32Array(t.vocabSize));
  const onlyRest: ModelDistribution = { ids: new Int32Array(0), logprobs: new Float32Array(0), restMass: 5e-324 };
  const out = mixDistributions(vocab, [ds[0], onlyRest, ds[2]], [0.25, 0.5, 0.25]);
  assert.ok(out.every((x) => Number.isFinite(x) && x >= 0));
  close([out.reduce((a, b) => a + b, 0)], [1], 1e-12);
  assert.ok(out[tailIndex(vocab)] >= 0.5);
});

/** exp(d − max d) per entry, the terms `mixDistributions` accepts in `exps`. */
function expTerms(d: Float32Array): Float64Array {
  let mx = -Infinity;
  for (const v of d) if (v > mx) mx = v;
  return Float64Array.from(d, (v) => Math.exp(v - mx));
}

test('exponentials handed over (as logprobFeatures writes them) give a bit-identical mixture; bad inputs still throw the same error', () => {
  fc.assert(
    fc.property(dists, simplex, (ds, w) => {
      const exps = ds.map((d) => {
        if (!(d instanceof Float32Array)) return undefined;
        return expTerms(d);
      });
      const plain = mixDistributions(vocab, ds, w);
      const reused = mixDistributions(vocab, ds, w, undefined, exps);
      assert.deepEqual(
        Array.from(reused, (x) => x.toString()),
        Array.from(plain, (x) => x.toString()),
      );
    }),
    { numRuns: 200 },
  );
  const bad = new Float32Array(toks[0].vocabSize).fill(-1);
  bad[3] = Number.NaN;
  const ok = (i: number): Float32Array => new Float32Array(toks[i].vocabSize).fill(-2);
  assert.throws(() => mixDistributions(vocab, [bad, ok(1), ok(2)], [1, 0, 0], undefined, [expTerms(bad), undefined, undefined]), /dists\[0\]\[3\]/);
});
