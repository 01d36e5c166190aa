import type { Task, TaskItem } from '../../ensemble/tasks/Task.js';
import type { DecodingScorer } from '../../envs/EnsembleDecodingEnv.js';

/**
 * Training reward with partial credit: 1 for an exact answer, otherwise half the fraction of answer
 * segments that are right. Exact answers stay strictly better than any partial one (so the env's
 * `success`, score ≥ 1, is unchanged), while an answer with one right segment already earns
 * something: the sparse exact-match signal gets a gradient early in training. Evaluation always
 * uses the task's own exact-match score.
 */
export function segmentCreditScorer(task: Task): DecodingScorer {
  return (prediction, item) => {
    const it = item as TaskItem;
    if (task.score(prediction, it) >= 1) return 1;
    const segs = task.segmentScores(prediction, it);
    return segs.length === 0 ? 0 : (0.5 * segs.filter((s) => s.correct).length) / segs.length;
  };
}
