// Every model directory committed under models/ must pass the ModelAdapter contract through OnnxCausalLM.
import { test } from 'node:test';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { exportAdapterContractTests } from '../../src/models/contract/exportAdapterContractTests.js';
import { OnnxCausalLM } from '../../src/models/OnnxCausalLM.js';
import { BUNDLED_EOS_PROMPT } from '../support/bundledPrompts.js';

const modelsDir = new URL('../../models/', import.meta.url).pathname;
const dirs = existsSync(modelsDir)
  ? readdirSync(modelsDir).filter((d) => existsSync(join(modelsDir, d, 'config.json')) && existsSync(join(modelsDir, d, 'onnx', 'model.onnx')))
  : [];

for (const d of dirs)
  exportAdapterContractTests(`bundled model ${d}`, () => OnnxCausalLM.load(join(modelsDir, d)), { tol: 1e-4, eosPrompt: BUNDLED_EOS_PROMPT });
if (dirs.length === 0) test('bundled models pass the adapter contract', { skip: 'no model directories under models/ yet' }, () => undefined);
