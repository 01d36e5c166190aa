// Seeded synthetic answer data where no fixed weighting does well but a weighting that depends on
// the item's kind does: expert_a is confidently right on task "a" items and confidently wrong on
// task "b" items, expert_b the reverse. The task is visible in every observation (task one-hot).
import { Rng } from '../core/Rng.js';
import { answerDataFromObject, type AnswerDataset } from '../envs/answerData.js';
import { AnswerEnsembleEnv } from '../envs/AnswerEnsembleEnv.js';

/** Options of the generator (defaults in brackets). */
export interface SyntheticAnswersOptions {
  readonly seed?: number;
  /** Items in total, half of each kind in expectation [400]. */
  readonly numItems?: number;
  /** Options per item [4]. */
  readonly numOptions?: number;
  /** Extra weak "generalist" models, right with probability 1/2 and unconfident [1]. */
  readonly generalists?: number;
  /** Share of items in the test split [0.25]. */
  readonly testFraction?: number;
  /** Range of the experts' confidence in their chosen option, right or wrong [[0.6, 0.95]]. */
  readonly confidence?: readonly [number, number];
}

/** The data as the JSON form `{"models", "items"}` (what a file would hold). */
export function syntheticAnswersObject(opts: SyntheticAnswersOptions = {}): { models: string[]; items: Record<string, unknown>[] } {
  const { seed = 0, numItems = 400, numOptions = 4, generalists = 1, testFraction = 0.25, confidence = [0.6, 0.95] } = opts;
  const rng = new Rng(`synthetic-answers/${seed}`);
  const models = ['expert_a', 'expert_b', ...Array.from({ length: generalists }, (_, g) => `generalist_${g}`)];
  /** A distribution with mass `c` on `peak` and the rest spread evenly. */
  const peaked = (peak: number, c: number) => Array.from({ length: numOptions }, (_, k) => (k === peak ? c : (1 - c) / (numOptions - 1)));
  const wrong = (label: number) => (label + 1 + rng.int(numOptions - 1)) % numOptions;
  const items = Array.from({ length: numItems }, (_, i) => {
    const task = rng.next() < 0.5 ? 'a' : 'b';
    const label = rng.int(numOptions);
    const expert = (kind: string) => peaked(task === kind ? label : wrong(label), rng.uniform(confidence[0], confidence[1]));
    const scores = [expert('a'), expert('b')];
    for (let g = 0; g < generalists; g++) scores.push(peaked(rng.next() < 0.5 ? label : wrong(label), rng.uniform(0.3, 0.45)));
    return { id: `q${i}`, task, split: rng.next() < testFraction ? 'test' : 'train', label, scores };
  });
  return { models, items };
}

/** The synthetic data as a validated `AnswerDataset`. */
export function syntheticAnswers(opts: SyntheticAnswersOptions = {}): AnswerDataset {
  return answerDataFromObject(syntheticAnswersObject(opts), `synthetic-answers(seed=${opts.seed ?? 0})`);
}

/** Worker-thread factory (see `WorkerEnvSpec`): an AnswerEnsembleEnv over the synthetic data of `opts`. */
export function syntheticAnswerEnv(opts: SyntheticAnswersOptions = {}): AnswerEnsembleEnv {
  return new AnswerEnsembleEnv({ data: syntheticAnswers(opts) });
}
