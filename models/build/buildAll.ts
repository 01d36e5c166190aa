// Retrains, re-exports and re-measures the bundled tiny models: `npm run build:models [-- --models a,b] [--measure-only] [--readme-only]`.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../../src/backend/initBackend.js';
import { BUNDLED_MODELS } from './bundledModels.js';
import { exportBundledModel } from './exportBundledModel.js';
import type { Accuracy } from './measureEnsemble.js';
import { measureBundled } from './measureBundled.js';
import { modelCard, readmeTable } from './writeReadmes.js';
import { trainBundledModel } from './trainBundledModel.js';

/** Training figures of one model, kept in results.json. */
export interface TrainingRecord {
  readonly seconds: number;
  readonly tokenizerSeconds: number;
  readonly steps: number;
  readonly batchSize: number;
  readonly finalLoss: number;
  readonly parameters: number;
  readonly vocabSize: number;
  readonly onnxBytes: number;
}

/** Everything buildAll measured (models/results.json). */
export interface BuildResults {
  readonly seed: number;
  readonly task: string;
  readonly validationItems: number;
  readonly testItems: number;
  readonly machine: { cpu: string; cores: number; node: string; backend: string };
  readonly models: { name: string; tokenizer: string; role: string; training: TrainingRecord; validation: Accuracy; test: Accuracy }[];
  readonly uniform: Accuracy;
  readonly bestFixed: { weights: number[]; validation: Accuracy; test: Accuracy; grid: { weights: number[]; accuracy: number }[] };
  readonly oracle: { assignment: Record<string, string>; test: Accuracy };
  /** One row a test recomputes from the committed files: `model`'s accuracy on the first `items` test items. */
  readonly check: { model: string; items: number; accuracy: number };
}

const MODELS_DIR = new URL('..', import.meta.url).pathname;
const RESULTS = join(MODELS_DIR, 'results.json');

/** Writes models/README.md and every model card from `r`. */
async function writeReadmes(r: BuildResults): Promise<void> {
  await writeFile(join(MODELS_DIR, 'README.md'), readmeTable(r));
  for (const spec of BUNDLED_MODELS) await writeFile(join(MODELS_DIR, spec.name, 'README.md'), modelCard(spec, r));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      models: { type: 'string' },
      'measure-only': { type: 'boolean', default: false },
      'readme-only': { type: 'boolean', default: false },
      validation: { type: 'string', default: '200' },
      test: { type: 'string', default: '500' },
    },
  });
  const seed = Number(values.seed);
  const previous = await readFile(RESULTS, 'utf8')
    .then((s) => JSON.parse(s) as BuildResults)
    .catch(() => undefined);
  if (values['readme-only']) {
    if (!previous) throw new Error(`--readme-only: ${RESULTS} is missing; run without it first`);
    await writeReadmes(previous);
    return;
  }
  const backend = await initBackend();
  const training = new Map<string, TrainingRecord>(previous?.models.map((m) => [m.name, m.training]) ?? []);
  const selected = values['measure-only'] ? [] : values.models ? values.models.split(',') : BUNDLED_MODELS.map((s) => s.name);
  for (const name of selected) {
    const spec = BUNDLED_MODELS.find((s) => s.name === name);
    if (!spec) throw new Error(`--models: unknown model "${name}" (known: ${BUNDLED_MODELS.map((s) => s.name).join(', ')})`);
    const t = await trainBundledModel(spec, seed);
    const dir = await exportBundledModel(t, MODELS_DIR);
    training.set(name, {
      seconds: t.report.seconds,
      tokenizerSeconds: t.tokenizerSeconds,
      steps: t.report.steps,
      batchSize: spec.batchSize,
      finalLoss: t.report.finalLoss,
      parameters: t.model.parameterCount(),
      vocabSize: t.tokenizer.vocabSize,
      onnxBytes: (await stat(join(dir, 'onnx', 'model.onnx'))).size,
    });
    t.model.dispose();
    console.error(`${name}: trained in ${t.report.seconds.toFixed(0)} s, loss ${t.report.finalLoss.toFixed(4)}`);
  }

  const m = await measureBundled(MODELS_DIR, seed, Number(values.validation), Number(values.test));
  const results: BuildResults = {
    seed,
    task: m.task,
    validationItems: m.validationItems,
    testItems: m.testItems,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, backend: backend.backend },
    models: BUNDLED_MODELS.map((s, i) => {
      const tr = training.get(s.name);
      if (!tr) throw new Error(`${s.name}: no training record; run without --measure-only first`);
      return { name: s.name, tokenizer: s.tokenizer, role: s.role, training: tr, validation: m.singles[i].validation, test: m.singles[i].test };
    }),
    uniform: m.uniform,
    bestFixed: m.bestFixed,
    oracle: m.oracle,
    check: m.check,
  };
  await writeFile(RESULTS, `${JSON.stringify(results, null, 1)}\n`);
  await writeReadmes(results);
  console.log(readmeTable(results).split('<!-- table -->')[1]);
}

await main();
