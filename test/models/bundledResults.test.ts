import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sumReverseTask } from '../../src/ensemble/tasks/sumReverseTask.js';
import { HfTokenizer } from '../../src/models/HfTokenizer.js';
import type { BuildResults } from '../../models/build/buildAll.js';
import { BUNDLED_MODELS } from '../../models/build/bundledModels.js';
import { evaluate, fixed } from '../../models/build/measureEnsemble.js';
import { onnxScorer } from '../../models/build/NextTokenScorer.js';
import { CharModel } from '../../models/build/stringMixture.js';

const MODELS = join(import.meta.dirname, '..', '..', 'models');
const results = JSON.parse(readFileSync(join(MODELS, 'results.json'), 'utf8')) as BuildResults;

test('every bundled model is committed in Hugging Face layout, each <= 3 MB and <= 10 MB together', () => {
  let total = 0;
  for (const spec of BUNDLED_MODELS) {
    const dir = join(MODELS, spec.name);
    for (const f of ['config.json', 'tokenizer.json', 'onnx/model.onnx', 'README.md']) assert.ok(existsSync(join(dir, f)), `${spec.name}/${f} is missing`);
    const size = ['config.json', 'tokenizer.json', 'onnx/model.onnx'].reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    assert.ok(size <= 3 * 1024 * 1024, `${spec.name} is ${size} bytes`);
    total += size;
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, number>;
    assert.equal(cfg.n_embd, spec.dModel);
    assert.equal(cfg.n_layer, spec.nLayers);
    assert.equal(cfg.vocab_size, HfTokenizer.fromJson(JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'))).vocabSize);
  }
  assert.ok(total <= 10 * 1024 * 1024, `bundled models total ${total} bytes`);
});

test('the README tables are the ones results.json holds', () => {
  const readme = readFileSync(join(MODELS, 'README.md'), 'utf8');
  for (const m of results.models) {
    assert.ok(readme.includes(`| single: \`${m.name}\` | ${(100 * m.test.accuracy).toFixed(1)} %`), `${m.name} row`);
    assert.ok(readFileSync(join(MODELS, m.name, 'README.md'), 'utf8').includes(`exact match **${(100 * m.test.accuracy).toFixed(1)} %**`));
  }
  assert.ok(readme.includes(`${(100 * results.oracle.test.accuracy).toFixed(1)} %`));
});

test('one row of the table is reproduced from the committed ONNX files', async () => {
  const i = BUNDLED_MODELS.findIndex((s) => s.name === results.check.model);
  assert.ok(i >= 0, `results.check names ${results.check.model}`);
  const scorer = await onnxScorer(join(MODELS, results.check.model), results.check.model);
  try {
    const items = sumReverseTask.items('test', results.check.items, results.seed);
    const acc = await evaluate([new CharModel(scorer)], sumReverseTask, items, fixed([1]));
    assert.equal(acc.accuracy, results.check.accuracy);
  } finally {
    await scorer.close();
  }
});
