import { Rng } from '../../core/Rng.js';
import { ConfigError } from '../../core/errors.js';
import { splitOf } from './splitOf.js';
import type { SegmentScore, Split, Task, TaskItem } from './Task.js';

/**
 * How each answer segment is computed. The canonical task uses `sum` and `reverse`; the other rules
 * are plausible but wrong variants used to train specialists that are confidently wrong on one segment.
 */
export interface SumReverseRules {
  /** `sum`: a+b written normally; `reversed-sum`: the digits of a+b written last digit first. */
  readonly sum: 'sum' | 'reversed-sum';
  /** `reverse`: the word reversed; `copy`: the word unchanged. */
  readonly word: 'reverse' | 'copy';
}

/** Sizes of the question space (documented in models/README.md). */
export const SUM_REVERSE_SPACE = {
  /** First addend: two digits. */
  aMin: 10,
  aMax: 99,
  /** Second addend: one digit. */
  bMin: 1,
  bMax: 9,
  /** Letters the word is drawn from, and its length. */
  alphabet: 'abcdefgh',
  wordLength: 4,
} as const;

const END = '\n';
const SEP = ' ; ';

/** The two inputs of one question. */
export interface SumReverseQuestion {
  readonly a: number;
  readonly b: number;
  readonly word: string;
}

/**
 * Prompt text of a question, e.g. `37+8 dcab =`. Kept short because the bundled models are trained on a
 * shared 2-core machine; the answer starts with a space so every tokenizer puts a token boundary there.
 */
export function sumReversePrompt(q: SumReverseQuestion): string {
  return `${q.a}+${q.b} ${q.word} =`;
}

function segmentTexts(q: SumReverseQuestion, rules: SumReverseRules): [string, string] {
  const s = String(q.a + q.b);
  const sum = rules.sum === 'sum' ? s : [...s].reverse().join('');
  const word = rules.word === 'reverse' ? [...q.word].reverse().join('') : q.word;
  return [sum, word];
}

function drawQuestion(rng: Rng): SumReverseQuestion {
  const S = SUM_REVERSE_SPACE;
  const a = S.aMin + rng.int(S.aMax - S.aMin + 1);
  const b = S.bMin + rng.int(S.bMax - S.bMin + 1);
  let word = '';
  for (let i = 0; i < S.wordLength; i++) word += S.alphabet[rng.int(S.alphabet.length)];
  return { a, b, word };
}

/** Text of a prediction up to (not including) the end-of-answer marker, without surrounding spaces. */
function content(text: string): string {
  const cut = text.indexOf(END);
  return (cut < 0 ? text : text.slice(0, cut)).trim();
}

/** Builds the item of question `q` under `rules`. */
export function sumReverseItem(q: SumReverseQuestion, rules: SumReverseRules = CANONICAL_RULES): TaskItem {
  const [sum, word] = segmentTexts(q, rules);
  const answer = ` ${sum}${SEP}${word}${END}`;
  const sumStart = 1;
  const wordStart = sumStart + sum.length + SEP.length;
  return {
    id: `${q.a}+${q.b};${q.word}`,
    prompt: sumReversePrompt(q),
    answer,
    segments: [
      { name: 'sum', text: sum, start: sumStart, end: sumStart + sum.length },
      { name: 'reverse', text: word, start: wordStart, end: wordStart + word.length },
    ],
  };
}

/** The rules of the task the ensemble is evaluated on. */
export const CANONICAL_RULES: SumReverseRules = { sum: 'sum', word: 'reverse' };

/**
 * "Sum then reverse": `37+8 dcab =` → ` 45 ; bacd\n`. Two skills inside one answer
 * (carry arithmetic, then string reversal); splits are decided by a hash of the prompt, so they never
 * overlap; items are distinct within one call. `rules` selects a variant for specialist training data.
 */
export function makeSumReverseTask(rules: SumReverseRules = CANONICAL_RULES): Task {
  const canonical = rules.sum === CANONICAL_RULES.sum && rules.word === CANONICAL_RULES.word;
  const name = canonical ? 'sum-reverse' : `sum-reverse[${rules.sum},${rules.word}]`;
  return {
    name,
    endOfAnswer: END,
    segmentNames: ['sum', 'reverse'],
    items(split: Split, n: number, seed: number): TaskItem[] {
      if (!Number.isInteger(n) || n < 0) {
        throw new ConfigError('n', `${n} is not a non-negative integer`, 'Ask for a whole number of items.');
      }
      // Questions, not rules, pick the stream, so every rule variant sees the same questions.
      const rng = new Rng(`sum-reverse/${split}/${seed}`);
      const seen = new Set<string>();
      const out: TaskItem[] = [];
      const maxDraws = 50 * n + 1000;
      for (let draws = 0; out.length < n; draws++) {
        if (draws > maxDraws) {
          throw new ConfigError('n', `could not draw ${n} distinct ${split} items (got ${out.length})`, 'Ask for fewer items.');
        }
        const q = drawQuestion(rng);
        const prompt = sumReversePrompt(q);
        if (seen.has(prompt) || splitOf(prompt) !== split) continue;
        seen.add(prompt);
        out.push(sumReverseItem(q, rules));
      }
      return out;
    },
    score(prediction: string, item: TaskItem): number {
      return content(prediction) === content(item.answer) ? 1 : 0;
    },
    segmentScores(prediction: string, item: TaskItem): SegmentScore[] {
      const parts = content(prediction)
        .split(';')
        .map((p) => p.trim());
      return item.segments.map((seg, i) => ({
        name: seg.name,
        expected: seg.text,
        predicted: parts[i],
        correct: parts[i] === seg.text,
      }));
    },
    segmentIndexAt(answerPrefix: string): number {
      let k = 0;
      for (const ch of answerPrefix) if (ch === ';') k++;
      return Math.min(k, 1);
    },
  };
}

/** The canonical sum-then-reverse task. */
export const sumReverseTask: Task = makeSumReverseTask();
