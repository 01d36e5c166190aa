// Copies of a decoding env in one VectorEnv that share their models: each model's sessions of all
// copies are run together, so a step costs about one forward per model, not one per copy.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sumReverseTask } from '../../src/ensemble/tasks/sumReverseTask.js';
import { EnsembleDecodingEnv } from '../../src/envs/EnsembleDecodingEnv.js';
import { VectorEnv } from '../../src/envs/VectorEnv.js';
import { OnnxCausalLM } from '../../src/models/OnnxCausalLM.js';

test('a VectorEnv of 8 EnsembleDecodingEnv copies sharing the bundled models runs each model about once per step', async (t) => {
  const modelsDir = new URL('../../models/', import.meta.url).pathname;
  const models = await Promise.all(['tiny-rev-char', 'tiny-sum-bytebpe', 'tiny-gen-spbpe'].map((d) => OnnxCausalLM.load(join(modelsDir, d))));
  const copies = 8;
  const envs = Array.from(
    { length: copies },
    () => new EnsembleDecodingEnv({ models, task: sumReverseTask, numItems: 16, spanLength: 2, maxSteps: 6, closeModels: false }),
  );
  const vec = new VectorEnv(envs);
  try {
    await vec.reset({ seed: 1 });
    for (let t = 0; t < 5; t++) {
      const actions = Object.fromEntries(vec.possibleAgents.map((a) => [a, new Float32Array(copies * envs[0].actionSpace(a).flatDim)]));
      await vec.step(actions);
    }
    for (const m of models) {
      const mean = m.stats.rows / m.stats.runs;
      t.diagnostic(`${m.id}: mean batch ${mean.toFixed(2)} (${m.stats.rows} rows / ${m.stats.runs} runs)`);
      assert.ok(mean >= 4, `model ${m.id}: ${m.stats.rows} session chunks in ${m.stats.runs} graph runs (mean batch ${mean.toFixed(2)})`);
    }
  } finally {
    await vec.close();
    await Promise.all(models.map((m) => m.close()));
  }
});
