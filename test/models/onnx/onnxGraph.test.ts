import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { DataType, GraphBuilder, OnnxGraphError, attr, decodeModel, floatTensor, int64Tensor } from '../../../src/models/onnx/onnxGraph.js';

test('an affine + softmax graph built with GraphBuilder runs in onnxruntime and matches plain JS', async () => {
  const g = new GraphBuilder('affine');
  const x = g.input('x', DataType.FLOAT, ['batch', 3]);
  const w = g.initializer('w', floatTensor([3, 2], [1, 2, 3, 4, 5, 6]));
  const b = g.constFloat('b', [2], [0.5, -0.5]);
  const y = g.op('Add', [g.op('MatMul', [x, w]), b]);
  g.output(g.op('Softmax', [y], { axis: attr.int(-1) }), 'probs', DataType.FLOAT, ['batch', 2]);
  g.output(y, 'logits', DataType.FLOAT, ['batch', 2]);
  const bytes = g.build({ metadata: { kind: 'test' } });
  const model = decodeModel(bytes);
  assert.equal(Number(model.opsetImport[0].version), 17);
  const dims = model.graph?.input?.[0].type?.tensorType?.shape?.dim ?? [];
  assert.deepEqual(
    dims.map((d) => d.dimParam || Number(d.dimValue)),
    ['batch', 3],
  );
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 0, -1, 0.5, 0.5, 0.5]), [2, 3]) });
  const logits = out.logits.data as Float32Array;
  const expected = [1 - 5 + 0.5, 2 - 6 - 0.5, 0.5 + 1.5 + 2.5 + 0.5, 1 + 2 + 3 - 0.5];
  expected.forEach((e, i) => assert.ok(Math.abs(logits[i] - e) < 1e-5, `logit ${i}`));
  const probs = out.probs.data as Float32Array;
  assert.ok(Math.abs(probs[0] + probs[1] - 1) < 1e-6);
  await session.release();
});

test('int64 constants round-trip through Reshape', async () => {
  const g = new GraphBuilder('reshape');
  const x = g.input('x', DataType.FLOAT, [6]);
  const shape = g.initializer('shape', int64Tensor([2], [2, 3]));
  g.output(g.op('Reshape', [x, shape]), 'y', DataType.FLOAT, [2, 3]);
  const session = await ort.InferenceSession.create(g.build());
  const out = await session.run({ x: new ort.Tensor('float32', new Float32Array(6).fill(1), [6]) });
  assert.deepEqual(out.y.dims, [2, 3]);
  await session.release();
});

test('data length that does not match dims, and duplicate names, throw OnnxGraphError', () => {
  assert.throws(() => floatTensor([2, 2], [1, 2, 3]), OnnxGraphError);
  const g = new GraphBuilder('dup');
  g.input('x', DataType.FLOAT, [1]);
  assert.throws(() => g.input('x', DataType.FLOAT, [1]), /used twice/);
});
