import { ModelInputError } from './errors.js';

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
