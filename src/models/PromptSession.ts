import { ModelClosedError, ModelInputError } from './errors.js';
import type { NextToken, Session } from './ModelAdapter.js';

/** What a `PromptSession` needs to know about its model to check appended ids. */
export interface AppendLimits {
  readonly id: string;
  readonly vocabSize: number;
  readonly maxContext: number;
}

/**
 * A session that keeps its prompt text and the ids appended after it (each append checked against the
 * vocabulary and the context), for adapters that answer `next()` from that pair: HTTP and replay.
 */
export abstract class PromptSession implements Session {
  protected readonly appended: number[] = [];
  private disposed = false;

  /** `idFix` tells a caller with an out-of-range id which ids to append. */
  constructor(
    private readonly limits: AppendLimits,
    protected readonly prompt: string,
    private readonly promptLength: number,
    private readonly idFix: string,
  ) {}

  /** Tokens in the session (prompt + appended). */
  get length(): number {
    return this.promptLength + this.appended.length;
  }

  /** Distribution of the token after the prompt and the appended ids. */
  abstract next(): Promise<NextToken>;

  /** Adds ids; throws `ModelInputError` for an id outside [0, vocabSize) or a sequence longer than the context. */
  async append(tokenIds: readonly number[]): Promise<void> {
    this.assertLive();
    const m = this.limits;
    tokenIds.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= m.vocabSize) {
        throw new ModelInputError(m.id, `token id ${id} (position ${i}) is outside [0, ${m.vocabSize})`, this.idFix);
      }
    });
    if (this.length + tokenIds.length > m.maxContext) {
      throw new ModelInputError(m.id, `${this.length + tokenIds.length} tokens exceed the context of ${m.maxContext}`, 'Shorten the generation.');
    }
    this.appended.push(...tokenIds);
  }

  /** Marks the session disposed. */
  async dispose(): Promise<void> {
    this.disposed = true;
  }

  /** Throws `ModelClosedError` after `dispose()`. */
  protected assertLive(): void {
    if (this.disposed) throw new ModelClosedError(`session of model "${this.limits.id}"`);
  }
}
