import type { Task, TaskItem } from '../../src/ensemble/tasks/Task.js';
import { decodeMixture, type CharModel, type WeightSchedule } from './stringMixture.js';

/** Longest answer decoded (the task's answers have at most 12 characters). */
export const MAX_ANSWER_CHARS = 16;

/** Exact-match accuracy and per-segment accuracy of one decoding rule on a set of items. */
export interface Accuracy {
  readonly accuracy: number;
  /** Segment name → fraction of items whose segment was right. */
  readonly segments: Record<string, number>;
  readonly items: number;
}

/** Decodes every item with `schedule` and scores it. */
export async function evaluate(models: readonly CharModel[], task: Task, items: readonly TaskItem[], schedule: WeightSchedule): Promise<Accuracy> {
  let correct = 0;
  const seg = new Map<string, number>(task.segmentNames.map((n) => [n, 0]));
  for (const item of items) {
    const pred = await decodeMixture(models, item.prompt, schedule, MAX_ANSWER_CHARS);
    correct += task.score(pred, item);
    for (const s of task.segmentScores(pred, item)) if (s.correct) seg.set(s.name, (seg.get(s.name) ?? 0) + 1);
  }
  const n = Math.max(1, items.length);
  return { accuracy: correct / n, segments: Object.fromEntries([...seg].map(([k, v]) => [k, v / n])), items: items.length };
}

/** Every weight vector of `k` models on the simplex grid with step 1/`steps` (66 points for k = 3, steps = 10). */
export function simplexGrid(k: number, steps: number): number[][] {
  const out: number[][] = [];
  const rec = (prefix: number[], left: number) => {
    if (prefix.length === k - 1) {
      out.push([...prefix, left].map((x) => x / steps));
      return;
    }
    for (let i = left; i >= 0; i--) rec([...prefix, i], left - i);
  };
  rec([], steps);
  return out;
}

/** Constant weights as a schedule. */
export function fixed(w: readonly number[]): WeightSchedule {
  return () => w;
}

/** Result of the grid search over fixed weights. */
export interface GridSearchResult {
  readonly weights: number[];
  readonly validation: Accuracy;
  /** Validation accuracy of every grid point, in grid order. */
  readonly all: { weights: number[]; accuracy: number }[];
}

/** Best fixed weighting on `items` (validation) over the simplex grid; ties go to the earlier grid point. */
export async function gridSearch(models: readonly CharModel[], task: Task, items: readonly TaskItem[], steps = 10): Promise<GridSearchResult> {
  let best: GridSearchResult | undefined;
  const all: { weights: number[]; accuracy: number }[] = [];
  for (const w of simplexGrid(models.length, steps)) {
    const acc = await evaluate(models, task, items, fixed(w));
    all.push({ weights: w, accuracy: acc.accuracy });
    if (!best || acc.accuracy > best.validation.accuracy) best = { weights: w, validation: acc, all };
  }
  if (!best) throw new Error('empty grid');
  return { ...best, all };
}

/** Segment-switching oracle: one-hot weights on `assignment[k]` while the answer is in segment k. */
export function segmentOracle(task: Task, assignment: readonly number[], nModels: number): WeightSchedule {
  return (prefix) => {
    const w = new Array<number>(nModels).fill(0);
    w[assignment[task.segmentIndexAt(prefix)]] = 1;
    return w;
  };
}
