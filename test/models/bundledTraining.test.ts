import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/initBackend.js';
import { TinyDecoder } from '../../models/build/TinyDecoder.js';
import { trainDecoder } from '../../models/build/trainDecoder.js';

test('trainDecoder lowers the answer loss, is reproducible from its seed and leaks no tensors', async () => {
  await initBackend();
  // A copy task small enough for 60 steps: the answer repeats the two prompt tokens.
  const examples = Array.from({ length: 64 }, (_, i) => ({ ids: [0, 1 + (i % 8), 1 + ((i * 3) % 8), 9, 1 + (i % 8), 1 + ((i * 3) % 8), 0], answerStart: 4 }));
  const cfg = { vocabSize: 10, dModel: 32, nLayers: 2, nHeads: 4, dFF: 64, maxPositions: 8 };
  const opts = { steps: 60, batchSize: 16, learningRate: 1e-2, warmupSteps: 5, seed: 3, label: 'test', progress: false };
  const run = async () => {
    const m = new TinyDecoder(cfg, 7);
    const before = tf.memory().numTensors;
    const r = await trainDecoder(m, examples, opts);
    const leaked = tf.memory().numTensors - before;
    const head = Array.from(m.lmHead.dataSync().slice(0, 5));
    m.dispose();
    return { r, leaked, head };
  };
  const a = await run();
  const b = await run();
  assert.ok(a.r.finalLoss < Math.log(cfg.vocabSize) / 2, `final loss ${a.r.finalLoss} should be well below uniform ${Math.log(cfg.vocabSize)}`);
  assert.equal(a.leaked, 0);
  assert.deepEqual(a.head, b.head);
});
