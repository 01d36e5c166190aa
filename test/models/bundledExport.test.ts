import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { initBackend } from '../../src/backend/initBackend.js';
import { Rng } from '../../src/core/Rng.js';
import { buildDecoderOnnx } from '../../src/models/onnx/buildDecoderOnnx.js';
import { TinyDecoder, type TinyDecoderConfig } from '../../models/build/TinyDecoder.js';
import { toDecoderWeights } from '../../models/build/toDecoderWeights.js';

const CFG: TinyDecoderConfig = { vocabSize: 37, dModel: 32, nLayers: 2, nHeads: 4, dFF: 64, maxPositions: 24 };
const HD = CFG.dModel / CFG.nHeads;

/** A decoder with weights large enough that a wrong op would move the logits far beyond the tolerance. */
function randomDecoder(seed: number): TinyDecoder {
  const m = new TinyDecoder(CFG, seed);
  const rng = new Rng(`export-test/${seed}`);
  for (const v of m.variables()) {
    const data = Float32Array.from({ length: v.size }, () => rng.normal(0, 0.3));
    const t = tf.tensor(data, v.shape);
    v.assign(t);
    t.dispose();
  }
  return m;
}

function i64(xs: readonly number[], dims: number[]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(xs.map((x) => BigInt(x))), dims);
}

/** Runs the graph on `ids` after `past` cached positions; returns logits and the presents. */
async function run(sess: ort.InferenceSession, ids: number[], past: number, cache: Record<string, ort.Tensor>) {
  const feeds: Record<string, ort.Tensor> = {
    input_ids: i64(ids, [1, ids.length]),
    attention_mask: i64(new Array(past + ids.length).fill(1), [1, past + ids.length]),
    position_ids: i64(
      ids.map((_, i) => past + i),
      [1, ids.length],
    ),
  };
  for (let l = 0; l < CFG.nLayers; l++) {
    for (const kv of ['key', 'value']) {
      feeds[`past_key_values.${l}.${kv}`] = cache[`present.${l}.${kv}`] ?? new ort.Tensor('float32', new Float32Array(0), [1, CFG.nHeads, 0, HD]);
    }
  }
  const out = await sess.run(feeds);
  return { logits: out.logits.data as Float32Array, out };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

test('exported ONNX logits equal the tfjs model within 1e-4, with and without KV cache', async () => {
  await initBackend();
  for (const seed of [1, 2, 3]) {
    const m = randomDecoder(seed);
    const sess = await ort.InferenceSession.create(buildDecoderOnnx(toDecoderWeights(m)));
    const rng = new Rng(`ids/${seed}`);
    const T = 5 + rng.int(CFG.maxPositions - 5);
    const ids = Array.from({ length: T }, () => rng.int(CFG.vocabSize));
    const idsT = tf.tensor2d([ids], [1, T], 'int32');
    const ref = m.logits(idsT);
    const expected = ref.dataSync();
    const full = await run(sess, ids, 0, {});
    assert.ok(maxAbsDiff(full.logits, expected) < 1e-4, `seed ${seed}: full-sequence logits differ`);
    // Same sequence in two chunks through the KV cache: the second chunk's logits are the last rows.
    const cut = 1 + rng.int(T - 1);
    const first = await run(sess, ids.slice(0, cut), 0, {});
    const second = await run(sess, ids.slice(cut), cut, first.out as Record<string, ort.Tensor>);
    assert.ok(maxAbsDiff(first.logits, expected.slice(0, cut * CFG.vocabSize)) < 1e-4, `seed ${seed}: prefix logits differ`);
    assert.ok(maxAbsDiff(second.logits, expected.slice(cut * CFG.vocabSize)) < 1e-4, `seed ${seed}: cached continuation differs`);
    assert.ok(Math.max(...expected.map(Math.abs)) > 0.5, 'logits are large enough for the comparison to mean something');
    idsT.dispose();
    ref.dispose();
    m.dispose();
    await sess.release();
  }
});

test('the training-time head slice equals the full logits on answer positions', async () => {
  await initBackend();
  const m = randomDecoder(4);
  const ids = tf.tensor2d(
    [
      [1, 2, 3, 4, 5, 6],
      [6, 5, 4, 3, 2, 1],
    ],
    [2, 6],
    'int32',
  );
  const full = m.logits(ids);
  const part = m.logits(ids, undefined, 3);
  const tail = full.slice([0, 3, 0], [2, 3, CFG.vocabSize]);
  assert.ok(maxAbsDiff(part.dataSync(), tail.dataSync()) < 1e-5);
  tf.dispose([ids, full, part, tail]);
  m.dispose();
});
