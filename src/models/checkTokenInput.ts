import { ModelInputError } from './errors.js';
import type { Tokenizer } from './Tokenizer.js';

/** Throws `ModelInputError` naming `modelId` when `n` tokens exceed `maxContext`; `fix` says what the user can change. */
export function checkContextLength(modelId: string, n: number, maxContext: number, fix: string): void {
  if (n > maxContext) throw new ModelInputError(modelId, `${n} tokens exceed the context of ${maxContext}`, fix);
}

/** Throws `ModelInputError` naming `modelId` and the position of the first id that is not an integer in [0, vocabSize). */
export function checkTokenIds(modelId: string, ids: readonly number[], vocabSize: number): void {
  ids.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new ModelInputError(
        modelId,
        `token id ${id} (position ${i}) is outside [0, ${vocabSize})`,
        `Append ids of this model's vocabulary (encode text with model "${modelId}"'s tokenizer).`,
      );
    }
  });
}

/** The ids a local session starts from: BOS (when the model uses one) + `prompt` encoded; throws `ModelInputError` when that is empty. */
export function promptIds(modelId: string, tokenizer: Tokenizer, bosId: number | undefined, prompt: string): number[] {
  const ids = [...(bosId === undefined ? [] : [bosId]), ...tokenizer.encode(prompt)];
  if (ids.length === 0) {
    throw new ModelInputError(modelId, 'the prompt is empty and the model adds no BOS token, so there is nothing to predict from', 'Pass a non-empty prompt.');
  }
  return ids;
}
