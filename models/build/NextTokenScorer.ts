import { OnnxCausalLM } from '../../src/models/OnnxCausalLM.js';
import type { Tokenizer } from '../../src/models/Tokenizer.js';
import { isTopK } from './isTopK.js';

/** A model reduced to what string-level mixing needs: its tokenizer and next-token log-probs after a token sequence. */
export interface NextTokenScorer {
  readonly name: string;
  readonly tokenizer: Tokenizer;
  /** Id fed before the text (BOS). */
  readonly bosId: number;
  /** Log-probabilities of the token after `[BOS] + ids`. */
  logprobs(ids: readonly number[]): Promise<Float32Array>;
}

/** Scorer over a committed model directory, run through the package's `OnnxCausalLM` adapter (one session per query). */
export async function onnxScorer(dir: string, name: string): Promise<NextTokenScorer & { close(): Promise<void> }> {
  const lm = await OnnxCausalLM.load(dir, { addBos: true });
  const bosId = lm.bosId;
  if (bosId === undefined) throw new Error(`${dir}: the bundled models use BOS; config.json must name bos_token_id`);
  return {
    name,
    tokenizer: lm.tokenizer,
    bosId,
    async logprobs(ids: readonly number[]): Promise<Float32Array> {
      const s = await lm.start('');
      try {
        if (ids.length > 0) await s.append(ids);
        const { logprobs } = await s.next();
        if (isTopK(logprobs)) throw new Error(`${name}: expected full log-probabilities`);
        return logprobs;
      } finally {
        await s.dispose();
      }
    },
    close: () => lm.close(),
  };
}
