/** Ids of special tokens a tokenizer defines (absent when it has none). */
export interface SpecialTokens {
  readonly bos?: number;
  readonly eos?: number;
  readonly pad?: number;
  readonly unk?: number;
}

/**
 * What the package needs of a tokenizer. The Hugging Face `tokenizer.json` loader in this folder
 * implements it; adapters of remote models may supply their own.
 */
export interface Tokenizer {
  /** Number of ids (the model's logits width must match). */
  readonly vocabSize: number;
  readonly specialTokens: SpecialTokens;
  /** Ids for `text`, with no special tokens added. */
  encode(text: string): number[];
  /** Text for `ids`; special tokens are skipped. */
  decode(ids: readonly number[]): string;
  /** The raw token string as stored in the vocabulary (with `Ġ` / `▁` markers), or undefined if out of range. */
  idToToken(id: number): string | undefined;
  /** Inverse of `idToToken`. */
  tokenToId(token: string): number | undefined;
  /**
   * The UTF-8 bytes this token contributes when it appears inside a sequence, with byte-level (`Ġ`)
   * and sentencepiece (`▁`) markers turned into the bytes they stand for and byte-fallback tokens
   * (`<0x41>`) into their byte. Empty for special tokens. This is what union-vocabulary alignment keys on.
   */
  tokenBytes(id: number): Uint8Array;
}
