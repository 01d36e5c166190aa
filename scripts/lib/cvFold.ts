import { Rng } from '../../src/core/Rng.js';
import type { AnswerDataset } from '../../src/envs/answerData.js';

/** The train split re-split into `folds` folds (seeded, per task): fold f's items become `test`, the others stay `train`; the test split is dropped. */
export function cvFold(data: AnswerDataset, folds: number, f: number, seed: number): AnswerDataset {
  const train = data.items.filter((it) => it.split === 'train');
  const fold = new Map<string, number>();
  for (const task of data.tasks) {
    const ids = train.filter((it) => it.task === task).map((it) => it.id);
    const perm = new Rng(`${seed}/cv/${task}`).permutation(ids.length);
    perm.forEach((p, j) => fold.set(ids[p], j % folds));
  }
  const items = train.map((it) => ({ ...it, split: fold.get(it.id) === f ? ('test' as const) : ('train' as const) }));
  return { ...data, items, source: `${data.source} (fold ${f + 1}/${folds})` };
}
