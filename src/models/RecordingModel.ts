import { ModelClosedError } from './errors.js';
import type { ModelAdapter, NextToken, Session } from './ModelAdapter.js';
import { formatReplay, replayKey, REPLAY_FORMAT, toReplayRecord, type ReplayHeader, type ReplayRecord } from './replayFormat.js';
import { writeFileAtomic } from '../core/writeFileAtomic.js';

/** Options of `RecordingModel`. */
export interface RecordingOptions {
  /** Keep hidden states in the file (default true; they can dominate its size). */
  readonly recordHidden?: boolean;
}

/**
 * Wraps any adapter and records every `next()` answer (keyed by prompt + appended ids) so that
 * `ReplayModel` can play them back. `flush()` and `close()` write the file atomically
 * (temp file, fsync, rename): a crash never leaves a half-written recording.
 */
export class RecordingModel implements ModelAdapter {
  private readonly records = new Map<string, ReplayRecord>();
  private closed = false;

  /** Records `inner` into `path` (JSONL, see replayFormat). */
  constructor(
    readonly inner: ModelAdapter,
    readonly path: string,
    private readonly opts: RecordingOptions = {},
  ) {}

  /** The wrapped adapter's id. */
  get id(): string {
    return this.inner.id;
  }
  /** The wrapped adapter's tokenizer. */
  get tokenizer(): ModelAdapter['tokenizer'] {
    return this.inner.tokenizer;
  }
  /** The wrapped adapter's vocabulary size. */
  get vocabSize(): number {
    return this.inner.vocabSize;
  }
  /** The wrapped adapter's hidden size, or 0 when hidden states are not recorded. */
  get hiddenSize(): number {
    return this.opts.recordHidden === false ? 0 : this.inner.hiddenSize;
  }
  /** The wrapped adapter's context length. */
  get maxContext(): number {
    return this.inner.maxContext;
  }

  /** Number of distinct answers recorded so far. */
  get size(): number {
    return this.records.size;
  }

  /** Opens a recording session over a session of the wrapped adapter. */
  async start(prompt: string): Promise<Session> {
    if (this.closed) throw new ModelClosedError(`recording model "${this.id}"`);
    return new RecordingSession(this, await this.inner.start(prompt), prompt);
  }

  /** @internal Keeps `next` as the answer for `prompt` + `appended`. */
  record(prompt: string, promptLength: number, appended: readonly number[], next: NextToken): void {
    this.records.set(replayKey(prompt, appended), toReplayRecord(prompt, promptLength, appended, next, this.opts.recordHidden !== false));
  }

  /** Writes everything recorded so far to `path`, atomically. */
  async flush(): Promise<void> {
    const header: ReplayHeader = {
      format: REPLAY_FORMAT,
      version: 1,
      id: this.id,
      vocabSize: this.vocabSize,
      hiddenSize: this.hiddenSize,
      maxContext: this.maxContext,
    };
    await writeFileAtomic(this.path, formatReplay(header, this.records.values()));
  }

  /** Writes the file and closes the wrapped adapter. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    await this.inner.close();
  }
}

class RecordingSession implements Session {
  private readonly appended: number[] = [];
  private readonly promptLength: number;

  constructor(
    private readonly model: RecordingModel,
    private readonly inner: Session,
    private readonly prompt: string,
  ) {
    this.promptLength = inner.length;
  }

  /** Tokens in the wrapped session (prompt + appended). */
  get length(): number {
    return this.inner.length;
  }

  /** The wrapped session's answer, recorded. */
  async next(): Promise<NextToken> {
    const n = await this.inner.next();
    this.model.record(this.prompt, this.promptLength, this.appended, n);
    return this.model.hiddenSize === 0 && n.hidden ? { logprobs: n.logprobs } : n;
  }

  /** Appends to the wrapped session (which validates the ids). */
  async append(tokenIds: readonly number[]): Promise<void> {
    await this.inner.append(tokenIds);
    this.appended.push(...tokenIds);
  }

  /** Disposes the wrapped session. */
  async dispose(): Promise<void> {
    await this.inner.dispose();
  }
}
