import type { Tokenizer } from './Tokenizer.js';

/** Top-k next-token log-probabilities; `restMass` = 1 − Σ exp(logprobs) ≥ 0 is the mass outside the k ids. */
export interface TopK {
  readonly ids: Int32Array;
  readonly logprobs: Float32Array;
  readonly restMass: number;
}

/** The model's view of the next token: its distribution and, when the model exposes it, its last hidden state. */
export interface NextToken {
  /** Full log-probabilities over the model's vocabulary, or a top-k summary. */
  readonly logprobs: Float32Array | TopK;
  /** Final-layer hidden state at the last position (`hiddenSize` floats), when available. */
  readonly hidden?: Float32Array;
}

/** One decoding context; owns the model state (KV cache, server context). Not safe for concurrent calls. */
export interface Session {
  /** Number of tokens consumed so far (prompt plus appended). */
  readonly length: number;
  /** Distribution of the token after everything consumed so far; calling twice gives the same answer. */
  next(): Promise<NextToken>;
  /** Feeds tokens (ids of this model's vocabulary) after what was consumed. */
  append(tokenIds: readonly number[]): Promise<void>;
  /** Frees the session's memory; later calls throw. Calling it twice is harmless. */
  dispose(): Promise<void>;
}

/** A language model the ensemble can query. Every adapter passes `exportAdapterContractTests`. */
export interface ModelAdapter {
  readonly id: string;
  readonly tokenizer: Tokenizer;
  readonly vocabSize: number;
  /** Width of `NextToken.hidden`, or 0 when the adapter exposes no hidden state. */
  readonly hiddenSize: number;
  /** Longest sequence (prompt + generated) a session can hold. */
  readonly maxContext: number;
  /** Opens a session whose state holds `prompt` (encoded with `tokenizer`, BOS added if the model uses one). */
  start(prompt: string): Promise<Session>;
  /** Frees what the adapter holds (inference sessions, connections). */
  close(): Promise<void>;
}
