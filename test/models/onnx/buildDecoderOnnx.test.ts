import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildDecoderOnnx } from '../../../src/models/onnx/buildDecoderOnnx.js';
import { OnnxGraphError } from '../../../src/models/onnx/onnxGraph.js';
import { makeTinyDecoderDir, randomDecoderWeights, referenceForward, TINY_SIZES, type TinyDecoderDir } from '../../../src/testing/tinyDecoder.js';

let tiny: TinyDecoderDir;
let session: ort.InferenceSession;
before(async () => {
  tiny = await makeTinyDecoderDir({ seed: 11 });
  session = await ort.InferenceSession.create(join(tiny.dir, 'onnx', 'model.onnx'));
});
after(async () => {
  await session.release();
  await tiny.cleanup();
});

const i64 = (xs: readonly number[], dims: number[]): ort.Tensor =>
  new ort.Tensor(
    'int64',
    BigInt64Array.from(xs, (x) => BigInt(x)),
    dims,
  );
const emptyPast = (): Record<string, ort.Tensor> => {
  const { nLayers, nHeads, dModel } = tiny.weights;
  const feeds: Record<string, ort.Tensor> = {};
  for (let i = 0; i < nLayers; i++)
    for (const kv of ['key', 'value']) feeds[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, nHeads, 0, dModel / nHeads]);
  return feeds;
};

/** Runs `ids` after `past` (present tensors of an earlier call, or empty) and returns the outputs. */
async function run(ids: number[], pastLen: number, past: Record<string, ort.Tensor>, mask?: number[]): Promise<ort.InferenceSession.OnnxValueMapType> {
  return session.run({
    input_ids: i64(ids, [1, ids.length]),
    attention_mask: i64(mask ?? new Array(pastLen + ids.length).fill(1), [1, pastLen + ids.length]),
    position_ids: i64(
      ids.map((_, i) => pastLen + i),
      [1, ids.length],
    ),
    ...past,
  });
}
const presentsAsPast = (out: ort.InferenceSession.OnnxValueMapType): Record<string, ort.Tensor> =>
  Object.fromEntries(
    Object.entries(out)
      .filter(([k]) => k.startsWith('present.'))
      .map(([k, v]) => [k.replace('present.', 'past_key_values.'), v as ort.Tensor]),
  );

const ids = [1, 12, 8, 15, 15, 18, 4, 22, 18, 21, 15, 7];

test('graph I/O follows the decoder-with-past signature', () => {
  const n = tiny.weights.nLayers;
  assert.deepEqual(
    [...session.inputNames].sort(),
    [
      'attention_mask',
      'input_ids',
      'position_ids',
      ...Array.from({ length: n }, (_, i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]).flat(),
    ].sort(),
  );
  assert.ok(
    session.outputNames.includes('logits') && session.outputNames.includes('last_hidden_state') && session.outputNames.includes(`present.${n - 1}.value`),
  );
});

test('full-prefix logits match the plain-loop JS reference within 1e-4', async () => {
  const out = await run(ids, 0, emptyPast());
  const V = tiny.weights.vocabSize,
    D = tiny.weights.dModel;
  const ref = referenceForward(tiny.weights, ids);
  const logits = out.logits.data as Float32Array;
  const hidden = out.last_hidden_state.data as Float32Array;
  let maxErr = 0;
  ids.forEach((_, p) => {
    for (let v = 0; v < V; v++) maxErr = Math.max(maxErr, Math.abs(logits[p * V + v] - ref.logits[p][v]));
    for (let d = 0; d < D; d++) maxErr = Math.max(maxErr, Math.abs(hidden[p * D + d] - ref.hidden[p][d]));
  });
  assert.ok(maxErr < 1e-4, `max |onnx - reference| = ${maxErr}`);
  // the weights are not degenerate: logits vary across the vocabulary
  assert.ok(Math.max(...ref.logits[3]) - Math.min(...ref.logits[3]) > 1);
});

test('token-by-token decoding with the KV cache equals the full prefix within 1e-4', async () => {
  const full = (await run(ids, 0, emptyPast())).logits.data as Float32Array;
  const V = tiny.weights.vocabSize;
  let past = emptyPast();
  let maxErr = 0;
  // first a 3-token chunk, then one token at a time
  let out = await run(ids.slice(0, 3), 0, past);
  past = presentsAsPast(out);
  for (let p = 3; p < ids.length; p++) {
    out = await run([ids[p]], p, past);
    assert.deepEqual(out['present.0.key'].dims, [1, TINY_SIZES.nHeads, p + 1, TINY_SIZES.dModel / TINY_SIZES.nHeads]);
    const step = out.logits.data as Float32Array;
    for (let v = 0; v < V; v++) maxErr = Math.max(maxErr, Math.abs(step[v] - full[p * V + v]));
    past = presentsAsPast(out);
  }
  assert.ok(maxErr < 1e-4, `max |cached - full| = ${maxErr}`);
});

test('attention_mask hides padded keys: left padding does not change the last logits', async () => {
  const V = tiny.weights.vocabSize;
  const plain = (await run(ids.slice(0, 5), 0, emptyPast())).logits.data as Float32Array;
  // two pad tokens in front, masked out; positions of the real tokens stay 0..4
  const padded = await session.run({
    input_ids: i64([0, 0, ...ids.slice(0, 5)], [1, 7]),
    attention_mask: i64([0, 0, 1, 1, 1, 1, 1], [1, 7]),
    position_ids: i64([0, 0, 0, 1, 2, 3, 4], [1, 7]),
    ...emptyPast(),
  });
  const last = (padded.logits.data as Float32Array).slice(6 * V, 7 * V);
  for (let v = 0; v < V; v++) assert.ok(Math.abs(last[v] - plain[4 * V + v]) < 1e-4);
});

test('inconsistent weights are rejected with the field named', () => {
  const w = randomDecoderWeights(1, 10);
  assert.throws(
    () => buildDecoderOnnx({ ...w, lmHead: new Float32Array(3) }),
    (e: unknown) => e instanceof OnnxGraphError && /lmHead/.test(e.message),
  );
  assert.throws(() => buildDecoderOnnx({ ...w, nHeads: 3 }), /divisible/);
  assert.throws(() => buildDecoderOnnx({ ...w, layers: w.layers.slice(1) }), /nLayers/);
});
