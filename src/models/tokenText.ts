import type { Tokenizer } from './Tokenizer.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The string an OpenAI-compatible server shows for token `id` in `top_logprobs`: the text the
 * token contributes (`" the"`, not `"Ġthe"`), or the raw vocabulary string for special tokens and
 * for tokens that are not valid UTF-8 on their own (single bytes of a multi-byte char).
 */
export function tokenText(tokenizer: Tokenizer, id: number): string {
  const bytes = tokenizer.tokenBytes(id);
  const raw = tokenizer.idToToken(id) ?? '';
  if (bytes.length === 0) return raw;
  try {
    return decoder.decode(bytes);
  } catch {
    return raw;
  }
}

/**
 * Maps token strings from a server's `top_logprobs` back to ids of `tokenizer`: the decoded text
 * (what vLLM, llama.cpp and OpenAI return), vLLM's `token_id:N` form, or the raw vocabulary string.
 * Returns undefined for strings the tokenizer has no single token for.
 */
export class TokenTextIndex {
  private readonly byText = new Map<string, number>();
  private readonly byBytes = new Map<string, number>();

  /** Indexes every id of `tokenizer` (first id wins when two tokens show the same text). */
  constructor(private readonly tokenizer: Tokenizer) {
    for (let id = 0; id < tokenizer.vocabSize; id++) {
      if (tokenizer.idToToken(id) === undefined) continue;
      const t = tokenText(tokenizer, id);
      if (!this.byText.has(t)) this.byText.set(t, id);
      const b = tokenizer.tokenBytes(id);
      if (b.length > 0 && !this.byBytes.has(b.join(','))) this.byBytes.set(b.join(','), id);
    }
  }

  /** The id whose token bytes are exactly `bytes` (the `bytes` field of chat-style logprobs), or undefined. */
  lookupBytes(bytes: readonly number[]): number | undefined {
    return bytes.length === 0 ? undefined : this.byBytes.get(bytes.join(','));
  }

  /** The id `s` stands for, or undefined. */
  lookup(s: string): number | undefined {
    const m = /^token_id:(\d+)$/.exec(s);
    if (m) {
      const id = Number(m[1]);
      return id < this.tokenizer.vocabSize ? id : undefined;
    }
    return this.byText.get(s) ?? this.tokenizer.tokenToId(s);
  }
}
