import { join } from 'node:path';
import { sumReverseTask } from '../../src/ensemble/tasks/sumReverseTask.js';
import { BUNDLED_MODELS } from './bundledModels.js';
import { evaluate, fixed, gridSearch, segmentOracle, type Accuracy } from './measureEnsemble.js';
import { onnxScorer } from './NextTokenScorer.js';
import { CharModel } from './stringMixture.js';

/** The measured part of models/results.json. */
export interface BundledMeasurement {
  readonly task: string;
  readonly validationItems: number;
  readonly testItems: number;
  readonly singles: { validation: Accuracy; test: Accuracy }[];
  readonly uniform: Accuracy;
  readonly bestFixed: { weights: number[]; validation: Accuracy; test: Accuracy; grid: { weights: number[]; accuracy: number }[] };
  readonly oracle: { assignment: Record<string, string>; test: Accuracy };
  readonly check: { model: string; items: number; accuracy: number };
}

/** Items in the row that test/models/bundledResults.test.ts recomputes. */
export const CHECK_ITEMS = 50;

/**
 * Measures the committed ONNX models in `modelsDir` on sum-then-reverse: each single model, uniform
 * weights, the best fixed weights (grid on validation, reported on test) and the per-segment oracle.
 */
export async function measureBundled(
  modelsDir: string,
  seed: number,
  nValidation: number,
  nTest: number,
  log = (l: string) => console.error(l),
): Promise<BundledMeasurement> {
  const task = sumReverseTask;
  const valItems = task.items('validation', nValidation, seed);
  const testItems = task.items('test', nTest, seed);
  const scorers = await Promise.all(BUNDLED_MODELS.map((s) => onnxScorer(join(modelsDir, s.name), s.name)));
  try {
    const models = scorers.map((s) => new CharModel(s));
    const K = models.length;
    const oneHot = (i: number) => fixed(Array.from({ length: K }, (_, j) => (j === i ? 1 : 0)));
    const singles: { validation: Accuracy; test: Accuracy }[] = [];
    for (let i = 0; i < K; i++) {
      singles.push({ validation: await evaluate(models, task, valItems, oneHot(i)), test: await evaluate(models, task, testItems, oneHot(i)) });
      log(`${BUNDLED_MODELS[i].name}: test ${JSON.stringify(singles[i].test)}`);
    }
    // The oracle switches, per segment, to the model that is best at that segment on validation.
    const assignment = task.segmentNames.map((seg) => singles.map((s, i) => ({ i, a: s.validation.segments[seg] })).sort((x, y) => y.a - x.a)[0].i);
    const oracle = await evaluate(models, task, testItems, segmentOracle(task, assignment, K));
    log(`oracle: ${JSON.stringify(oracle)}`);
    const uniform = await evaluate(models, task, testItems, fixed(new Array(K).fill(1 / K)));
    log(`uniform: ${JSON.stringify(uniform)}`);
    const grid = await gridSearch(models, task, valItems);
    const bestTest = await evaluate(models, task, testItems, fixed(grid.weights));
    log(`best fixed ${grid.weights}: validation ${grid.validation.accuracy}, test ${JSON.stringify(bestTest)}`);
    const check = await evaluate(models, task, testItems.slice(0, CHECK_ITEMS), oneHot(0));
    return {
      task: task.name,
      validationItems: valItems.length,
      testItems: testItems.length,
      singles,
      uniform,
      bestFixed: { weights: grid.weights, validation: grid.validation, test: bestTest, grid: grid.all },
      oracle: { assignment: Object.fromEntries(task.segmentNames.map((seg, k) => [seg, BUNDLED_MODELS[assignment[k]].name])), test: oracle },
      check: { model: BUNDLED_MODELS[0].name, items: CHECK_ITEMS, accuracy: check.accuracy },
    };
  } finally {
    await Promise.all(scorers.map((s) => s.close()));
  }
}
