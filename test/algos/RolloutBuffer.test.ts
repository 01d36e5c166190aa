import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RolloutBuffer } from '../../src/algos/RolloutBuffer.js';

test('pack lays out (step, env) rows with each member block [actorIn | criticIn | raw | logp | adv | target | vpred]', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), (T, E, m) => {
      const layout = { members: m, actorIn: 2, criticIn: 1, actDim: 2 };
      const buf = new RolloutBuffer([layout, { members: 1, actorIn: 1, criticIn: 1, actDim: 1 }], T, E);
      // encode (t, e, j) in every stored value so the packed position can be checked
      const code = (t: number, e: number, j: number) => 100 * t + 10 * e + j;
      for (let t = 0; t < T; t++) {
        const rows = E * m;
        const f = (w: number) =>
          Float32Array.from({ length: rows * w }, (_, i) => {
            const r = Math.floor(i / w);
            return code(t, Math.floor(r / m), r % m);
          });
        buf.storeStep(0, t, { actorIn: f(2), criticIn: f(1), raw: f(2), logp: f(1), vpred: f(1) });
        const g = (w: number) => Float32Array.from({ length: E * w }, (_, i) => -code(t, Math.floor(i / w), 0));
        buf.storeStep(1, t, { actorIn: g(1), criticIn: g(1), raw: g(1), logp: g(1), vpred: g(1) });
      }
      const { data, rows, width, widths } = buf.pack((g, r) => (g === 0 ? buf.groups[0].logp[r] : 7));
      if (rows !== T * E || width !== m * 9 + 7 || widths[0] !== m * 9) return false;
      for (let t = 0; t < T; t++) {
        for (let e = 0; e < E; e++) {
          const i = t * E + e;
          for (let j = 0; j < m; j++) {
            const block = data.subarray(i * width + j * 9, i * width + j * 9 + 9);
            const c = code(t, e, j);
            if (![0, 1, 2, 3, 4, 5, 7, 8].every((k) => block[k] === c)) return false;
          }
          if (data[i * width + m * 9] !== -code(t, e, 0) || data[i * width + m * 9 + 5] !== 7) return false;
        }
      }
      return true;
    }),
    { numRuns: 200 },
  );
});

test('computeReturns runs GAE per (env, member) stream and keeps streams apart', () => {
  const buf = new RolloutBuffer([{ members: 2, actorIn: 1, criticIn: 1, actDim: 1 }], 2, 2);
  for (let t = 0; t < 2; t++) for (let e = 0; e < 2; e++) for (let j = 0; j < 2; j++) buf.storeOutcome(0, t, e, j, e * 10 + j, t === 0 && e === 1, false);
  buf.computeReturns(0, [100, 200, 300, 400], (v) => v, 1, 1);
  const ret = (t: number, e: number, j: number) => buf.groups[0].returns[buf.row(0, t, e, j)];
  assert.deepEqual([ret(0, 0, 0), ret(0, 0, 1), ret(0, 1, 0), ret(0, 1, 1)], [100, 202, 10, 11]);
  assert.deepEqual([ret(1, 1, 0), ret(1, 1, 1)], [310, 411]);
});
