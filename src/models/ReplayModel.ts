import { readFile } from 'node:fs/promises';
import { PromptSession } from './PromptSession.js';
import { ModelClosedError, ModelInputError, ModelLoadError } from './errors.js';
import type { ModelAdapter, NextToken, Session } from './ModelAdapter.js';
import { fromReplayRecord, parseReplay, replayKey, type ReplayHeader, type ReplayRecord } from './replayFormat.js';
import type { Tokenizer } from './Tokenizer.js';

/**
 * Plays back answers recorded by `RecordingModel` from a JSONL file: no model, no network, exact
 * and fast, for tests and for training on recorded rollouts. A session can only follow paths that
 * were recorded; anything else throws `ModelInputError` naming the prompt and appended ids.
 */
export class ReplayModel implements ModelAdapter {
  readonly id: string;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly maxContext: number;
  private readonly answers = new Map<string, ReplayRecord>();
  private readonly promptLengths = new Map<string, number>();
  private closed = false;

  /** Builds a replay from a parsed header and records; `tokenizer` must be the recorded model's. */
  constructor(
    header: ReplayHeader,
    records: Iterable<ReplayRecord>,
    readonly tokenizer: Tokenizer,
    readonly source = '<records>',
  ) {
    if (tokenizer.vocabSize > header.vocabSize) {
      throw new ModelLoadError(
        source,
        `the tokenizer has ${tokenizer.vocabSize} ids but the recording's vocabSize is ${header.vocabSize}`,
        'Pass the tokenizer of the recorded model.',
        'vocabSize',
      );
    }
    this.id = header.id;
    this.vocabSize = header.vocabSize;
    this.hiddenSize = header.hiddenSize;
    this.maxContext = header.maxContext;
    for (const r of records) {
      this.answers.set(replayKey(r.prompt, r.appended), r);
      this.promptLengths.set(r.prompt, r.promptLength);
    }
  }

  /** Reads and validates a replay file; errors name the file, line and field. */
  static async load(path: string, opts: { tokenizer: Tokenizer }): Promise<ReplayModel> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new ModelLoadError(
        path,
        `cannot read the replay file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        'Record one with RecordingModel, or check the path.',
      );
    }
    const { header, records } = parseReplay(text, path);
    return new ReplayModel(header, records, opts.tokenizer, path);
  }

  /** Number of recorded answers. */
  get size(): number {
    return this.answers.size;
  }

  /** Opens a session on a recorded prompt; throws `ModelInputError` for prompts never recorded. */
  async start(prompt: string): Promise<Session> {
    if (this.closed) throw new ModelClosedError(`model "${this.id}"`);
    const length = this.promptLengths.get(prompt);
    if (length === undefined) {
      throw new ModelInputError(
        this.id,
        `prompt ${JSON.stringify(prompt).slice(0, 80)} was never recorded in ${this.source}`,
        'Record it with RecordingModel first, or use prompts from the recording.',
      );
    }
    return new ReplaySession(this, prompt, length);
  }

  /** Marks the replay closed; later `start` calls throw. */
  async close(): Promise<void> {
    this.closed = true;
  }

  /** @internal The recorded answer, or a `ModelInputError` saying the path was not recorded. */
  answer(prompt: string, appended: readonly number[]): NextToken {
    if (this.closed) throw new ModelClosedError(`model "${this.id}"`);
    const r = this.answers.get(replayKey(prompt, appended));
    if (!r) {
      throw new ModelInputError(
        this.id,
        `no recorded answer for prompt ${JSON.stringify(prompt).slice(0, 80)} + appended [${appended.join(', ')}] in ${this.source}`,
        'Record this path with RecordingModel, or replay only recorded paths.',
      );
    }
    return fromReplayRecord(r);
  }
}

/** A session answered from the recording; ids are checked against the recorded vocabulary. */
class ReplaySession extends PromptSession {
  constructor(
    private readonly model: ReplayModel,
    prompt: string,
    promptLength: number,
  ) {
    super(model, prompt, promptLength, "Append ids of the recorded model's vocabulary.");
  }

  /** The recorded answer for the ids consumed so far. */
  async next(): Promise<NextToken> {
    this.assertLive();
    return this.model.answer(this.prompt, this.appended);
  }
}
