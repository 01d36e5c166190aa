/** Which disjoint part of a task's question space an item comes from. */
export type Split = 'train' | 'validation' | 'test';

/** One part of an answer that needs its own skill (e.g. the sum, then the reversed word). */
export interface AnswerSegment {
  /** Skill name, stable across items (e.g. `sum`, `reverse`). */
  readonly name: string;
  /** The segment's expected text. */
  readonly text: string;
  /** Character offsets of `text` inside the item's `answer` ([start, end)). */
  readonly start: number;
  readonly end: number;
}

/** One question with its reference answer. */
export interface TaskItem {
  /** Stable id: the same question always has the same id. */
  readonly id: string;
  /** Text given to the model; the answer continues it directly. */
  readonly prompt: string;
  /** Reference continuation of `prompt`, ending with the task's end-of-answer marker. */
  readonly answer: string;
  readonly segments: readonly AnswerSegment[];
}

/** Per-segment diagnostics of one prediction. */
export interface SegmentScore {
  readonly name: string;
  readonly expected: string;
  readonly predicted: string | undefined;
  readonly correct: boolean;
}

/** A task family with exact-match answers, seeded splits that never overlap, and a scorer. */
export interface Task {
  readonly name: string;
  /** Marker that ends every answer; decoding stops once it is produced. */
  readonly endOfAnswer: string;
  /** Names of the answer segments, in answer order. */
  readonly segmentNames: readonly string[];
  /** `n` distinct items of `split`, the same for the same (split, n, seed). */
  items(split: Split, n: number, seed: number): TaskItem[];
  /** 1 when the prediction (cut at the end-of-answer marker) equals the answer exactly, else 0. */
  score(prediction: string, item: TaskItem): number;
  /** Which segment each expected segment matched, for diagnostics. */
  segmentScores(prediction: string, item: TaskItem): SegmentScore[];
  /** Index of the segment that the next character of a partial answer belongs to. */
  segmentIndexAt(answerPrefix: string): number;
}
