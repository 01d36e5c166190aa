import { ModelInputError } from './errors.js';

/** What `checkAppend` needs to know about the model a session belongs to. */
export interface AppendLimits {
  readonly id: string;
  readonly vocabSize: number;
  readonly maxContext: number;
}

/**
 * Throws `ModelInputError` when an id of `tokenIds` is not an integer in [0, vocabSize), or when
 * appending them to a session of `length` tokens would exceed the context; `idFix` says which ids to use.
 */
export function checkAppend(model: AppendLimits, length: number, tokenIds: readonly number[], idFix: string): void {
  tokenIds.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= model.vocabSize) {
      throw new ModelInputError(model.id, `token id ${id} (position ${i}) is outside [0, ${model.vocabSize})`, idFix);
    }
  });
  if (length + tokenIds.length > model.maxContext) {
    throw new ModelInputError(model.id, `${length + tokenIds.length} tokens exceed the context of ${model.maxContext}`, 'Shorten the generation.');
  }
}
