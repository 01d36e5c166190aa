import { open, readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError, EnsembleGymError, preview } from '../core/errors.js';
import { escapeControlChars } from '../core/escapeControlChars.js';
import { LazyPermutation } from '../core/LazyPermutation.js';
import type { Rng } from '../core/Rng.js';

/** Which part of the data an item belongs to; statistics and training use `train` only. */
export type AnswerSplit = 'train' | 'test';

/** One recorded question: every model's distribution over the item's options, and the right option. */
export interface AnswerItem {
  readonly id: string;
  readonly task: string;
  readonly split: AnswerSplit;
  /** Index of the right option. */
  readonly label: number;
  readonly numOptions: number;
  /** `probs[model]`: the model's scores over the options, normalised to sum 1 (all-zero scores become uniform). */
  readonly probs: readonly Float32Array[];
  /** `scores[model]`: the scores as recorded, before normalisation (absent for items built by hand: then `probs`). */
  readonly scores?: readonly Float32Array[];
}

/** Recorded answers of several models on multiple-choice items (what `AnswerEnsembleEnv` and `FocalEnv` replay). */
export interface AnswerDataset {
  readonly models: readonly string[];
  readonly items: readonly AnswerItem[];
  /** Largest option count over the items (observations are padded to it). */
  readonly maxOptions: number;
  /** Distinct task names, sorted (the order of the task one-hot in observations). */
  readonly tasks: readonly string[];
  /** Where the data came from, for messages. */
  readonly source: string;
}

/** Options of the loaders (defaults in brackets). */
export interface AnswerDataOptions {
  /** `'json'`, `'jsonl'` (header line then one item per line) or `'auto'` [auto: by extension, else by content]. */
  readonly format?: 'json' | 'jsonl' | 'auto';
  /** Fraction of items without a `split` that go to `test` [0.2]. */
  readonly testFraction?: number;
  /** Seed of the split of items without a `split` [0]. */
  readonly splitSeed?: number;
  /**
   * Largest JSON file, and largest JSONL line, `loadAnswerData` reads, in bytes [`MAX_ANSWER_JSON_BYTES`, 256 MiB].
   * JSONL files are streamed line by line and have no size limit of their own.
   */
  readonly maxJsonBytes?: number;
  /** Called while `loadAnswerData` reads a file, with bytes read so far and the file size (at most once per 1 % read). */
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/** Default `maxJsonBytes`: a JSON answer file is parsed in one piece, which takes about 20 times its size in memory. */
export const MAX_ANSWER_JSON_BYTES = 256 * 1024 * 1024;

/** A data file that does not follow the answer-data format; the message names the file and the JSON path. */
export class AnswerDataError extends EnsembleGymError {}

const NONFINITE = '\u0000nonfinite:';

const itemSchema = z.object({
  id: z.union([z.string().min(1), z.number().int()]),
  task: z.string().min(1).optional(),
  split: z.enum(['train', 'test']).optional(),
  label: z.number().int().nonnegative(),
  scores: z.array(z.array(z.number().nonnegative()).min(1)).min(1),
});
const headerSchema = z.object({ models: z.array(z.string().min(1)).min(1) });
const fileSchema = headerSchema.extend({ items: z.array(z.unknown()) });

type RawItem = z.infer<typeof itemSchema>;

/** `items[3].scores[1][2]` from a zod path. */
function formatPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : s === '' ? String(k) : `.${String(k)}`;
  return s || '(root)';
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** Readable reason for one zod issue; non-finite numbers (written by Python's json.dumps) get their own words. */
function issueText(root: unknown, issue: z.core.$ZodIssue, prefix: readonly PropertyKey[]): string {
  const path = [...prefix, ...issue.path];
  const v = valueAt(root, issue.path);
  if (typeof v === 'string' && v.startsWith(NONFINITE)) {
    return `${formatPath(path)} is ${v.slice(NONFINITE.length)}; scores must be finite numbers >= 0 (in Python: json.dump(..., allow_nan=False) finds these)`;
  }
  if (issue.code === 'too_small' && path[path.length - 1] === 'models') return `${formatPath(path)} is empty; list at least one model name`;
  return `${formatPath(path)}: ${issue.message}`;
}

/** JSON.parse that turns bare NaN / Infinity / -Infinity tokens into marked strings, so validation can name their path. */
function parseJson(text: string, where: string): unknown {
  const marked = text.replace(/("(?:[^"\\]|\\.)*")|(-?Infinity|NaN)/g, (m, str: string | undefined, bad: string | undefined) =>
    str !== undefined ? str : `"\\u0000nonfinite:${bad}"`,
  );
  try {
    return JSON.parse(marked);
  } catch (e) {
    const nul = text.indexOf('\u0000');
    const hint = nul >= 0 ? `; it holds a NUL byte (\\u0000) at character ${nul + 1}: binary data, or text in another encoding than UTF-8` : '';
    throw new AnswerDataError(`${where}: not valid JSON (${escapeControlChars((e as Error).message)})${hint}`);
  }
}

/** Deterministic [0, 1) value of (seed, id): the same item always lands in the same split. */
function splitDraw(seed: number, id: string): number {
  let h = 0x811c9dc5;
  const s = `${seed}/${id}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) / 2 ** 32;
}

/** Scores divided by their sum (all-zero: uniform). Scaled by the maximum first, so huge finite scores (1.797e308) cannot overflow the sum. */
function normalise(scores: readonly number[]): Float32Array {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (!(max > 0)) return new Float32Array(scores.length).fill(1 / scores.length);
  let z = 0;
  for (const s of scores) z += s / max;
  return Float32Array.from(scores, (s) => s / max / z);
}

/** Validates items one at a time (so a streamed file never holds its raw parsed lines) and assembles the dataset. */
interface ItemBuilder {
  /** Validates one raw item; `where` prefixes its messages (file, line). */
  add(raw: unknown, where: string): void;
  /** The dataset of every item added. */
  finish(): AnswerDataset;
}

/** An `ItemBuilder` for the models `rawModels` (validated here) of `source`. */
function itemBuilder(source: string, rawModels: unknown, opts: AnswerDataOptions): ItemBuilder {
  const testFraction = opts.testFraction ?? 0.2;
  if (!(testFraction >= 0 && testFraction <= 1))
    throw new ConfigError('testFraction', `must be in [0, 1], got ${testFraction}`, 'Set testFraction to the share of unsplit items that go to test.');
  const splitSeed = opts.splitSeed ?? 0;
  const header = headerSchema.safeParse({ models: rawModels });
  if (!header.success) throw new AnswerDataError(`${source}: ${issueText({ models: rawModels }, header.error.issues[0], [])}`);
  const models = header.data.models;
  const dupModel = models.find((m, i) => models.indexOf(m) !== i);
  if (dupModel !== undefined) throw new AnswerDataError(`${source}: models lists "${dupModel}" twice; model names must be unique (they name the agents)`);
  const seen = new Map<string, number>();
  const items: AnswerItem[] = [];
  return {
    add(raw, where) {
      const i = items.length;
      const r = itemSchema.safeParse(raw);
      if (!r.success) throw new AnswerDataError(`${where}${issueText(raw, r.error.issues[0], ['items', i])}`);
      const it: RawItem = r.data;
      const id = String(it.id);
      const at = `items[${i}]`;
      const prev = seen.get(id);
      if (prev !== undefined) throw new AnswerDataError(`${where}${at}.id "${id}" repeats items[${prev}].id; item ids must be unique`);
      seen.set(id, i);
      if (it.scores.length !== models.length) {
        throw new AnswerDataError(
          `${where}${at}.scores has ${it.scores.length} rows but there are ${models.length} models (${models.join(', ')}); give one row of option scores per model`,
        );
      }
      const k = it.scores[0].length;
      it.scores.forEach((row, m) => {
        if (row.length !== k)
          throw new AnswerDataError(`${where}${at}.scores[${m}] has ${row.length} options but ${at}.scores[0] has ${k}; every model scores the same options`);
      });
      if (it.label >= k)
        throw new AnswerDataError(`${where}${at}.scores[${models.length - 1}] has ${k} options, label ${it.label} is out of range (0..${k - 1})`);
      const split: AnswerSplit = it.split ?? (splitDraw(splitSeed, id) < testFraction ? 'test' : 'train');
      items.push({
        id,
        task: it.task ?? 'default',
        split,
        label: it.label,
        numOptions: k,
        probs: it.scores.map(normalise),
        scores: it.scores.map((row) => Float32Array.from(row)),
      });
    },
    finish() {
      const maxOptions = items.reduce((a, it) => Math.max(a, it.numOptions), 0);
      const tasks = [...new Set(items.map((it) => it.task))].sort();
      return { models, items, maxOptions, tasks, source };
    },
  };
}

/**
 * Builds a dataset from already-parsed parts, validating every item (`where(i)` names item i in
 * messages). The single path every loader goes through.
 */
function build(source: string, rawModels: unknown, rawItems: readonly unknown[], opts: AnswerDataOptions, where: (i: number) => string): AnswerDataset {
  const b = itemBuilder(source, rawModels, opts);
  rawItems.forEach((raw, i) => b.add(raw, where(i)));
  return b.finish();
}

/**
 * Parses answer data from text: a JSON object `{"models": [...], "items": [...]}`, or JSONL whose
 * first line is `{"models": [...]}` and every further non-empty line one item. Items hold `id`,
 * optional `task` and `split`, `label` (0-based option index) and `scores[model][option]` (finite,
 * ≥ 0, normalised per model). Errors name `source` and the JSON path (and the line for JSONL).
 */
export function parseAnswerData(rawText: string, source = 'answer data', opts: AnswerDataOptions = {}): AnswerDataset {
  // A UTF-8 byte-order mark (Windows editors, Excel exports) is not data.
  const text = rawText.charCodeAt(0) === 0xfeff ? rawText.slice(1) : rawText;
  const format = opts.format ?? 'auto';
  const asJsonl = format === 'jsonl' || (format === 'auto' && (source.endsWith('.jsonl') || looksLikeJsonl(text)));
  if (!asJsonl) {
    const root = parseJson(text, source);
    const r = fileSchema.safeParse(root);
    if (!r.success) throw new AnswerDataError(`${source}: ${issueText(root, r.error.issues[0], [])}`);
    return build(source, r.data.models, r.data.items, opts, () => `${source}: `);
  }
  const reader = jsonlReader(source, opts);
  text.split(/\r?\n/).forEach((l, i) => reader.line(l, i + 1));
  return reader.finish();
}

/** The value of JSONL line `line`; a first line that is not JSON says how a JSON object spread over several lines is read instead. */
function parseJsonlLine(text: string, source: string, line: number, first: boolean): unknown {
  try {
    return parseJson(text, `${source}:${line}`);
  } catch (e) {
    if (first && /^\s*[{[]\s*$/.test(text)) {
      throw new AnswerDataError(
        `${(e as Error).message}; this looks like one JSON object written over several lines: name the file .json, or write JSONL (a {"models": [...]} header line, then one item per line)`,
      );
    }
    throw e;
  }
}

/**
 * Reads JSONL one line at a time: a `{"models": [...]}` header line, then one item per line, each
 * validated as it comes; or a single line holding the whole `{"models", "items"}` object (the JSON
 * form saved under a .jsonl name).
 */
function jsonlReader(source: string, opts: AnswerDataOptions): { line: (text: string, n: number) => void; finish(): AnswerDataset } {
  let builder: ItemBuilder | undefined;
  let whole: { line: number; value: { models?: unknown; items?: unknown } } | undefined;
  return {
    line(raw, n) {
      const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (text.trim() === '') return;
      const value = parseJsonlLine(text, source, n, builder === undefined && whole === undefined);
      if (whole) {
        throw new AnswerDataError(
          `${source}:${whole.line}: the header line holds "items" and more lines follow (line ${n}); put items either inside the first object (JSON form) or one per line after a {"models": [...]} header (JSONL), not both`,
        );
      }
      if (builder) return builder.add(value, `${source}:${n}: `);
      const head = value as { models?: unknown; items?: unknown } | null;
      if (head === null || typeof head !== 'object' || !('models' in head)) {
        throw new AnswerDataError(
          `${source}:${n}: the first line must be a header {"models": ["m0", ...]}, got ${escapeControlChars(JSON.stringify(head)?.slice(0, 60) ?? String(value))}`,
        );
      }
      if ('items' in head) whole = { line: n, value: head };
      else builder = itemBuilder(source, head.models, opts);
    },
    finish() {
      if (whole) {
        const r = fileSchema.safeParse(whole.value);
        if (!r.success) throw new AnswerDataError(`${source}:${whole.line}: ${issueText(whole.value, r.error.issues[0], [])}`);
        const at = whole.line;
        return build(source, r.data.models, r.data.items, opts, () => `${source}:${at}: `);
      }
      if (!builder) throw new AnswerDataError(`${source}: empty; the first line must be {"models": [...]}`);
      return builder.finish();
    },
  };
}

/** Whether the text's first line is a complete JSON object holding `models` but not `items`. */
function looksLikeJsonl(text: string): boolean {
  const first = text.trimStart().split(/\r?\n/, 1)[0] ?? '';
  try {
    const v = JSON.parse(first) as unknown;
    return typeof v === 'object' && v !== null && 'models' in v && !('items' in v);
  } catch {
    return false;
  }
}

/** A mebibyte figure for messages: `256 MiB`. */
function mib(bytes: number): string {
  const m = bytes / 2 ** 20;
  return `${m >= 10 ? Math.round(m) : Number(m.toPrecision(2))} MiB`;
}

/** Length of the byte-order mark `head` starts with (UTF-8: 3); throws for UTF-16 / UTF-32, naming the encoding and the fix. */
function checkEncoding(path: string, head: Buffer): number {
  const fix =
    'answer data must be UTF-8: re-save it as UTF-8 (iconv -f ENCODING -t UTF-8 in > out; in Python open(path, "w", encoding="utf-8"); in PowerShell Out-File -Encoding utf8)';
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 3;
  const utf16 = (enc: string, how: string) => new AnswerDataError(`${path}: the file is ${enc} (${how}); ${fix.replace('ENCODING', enc.replace(' ', ''))}`);
  if (head.length >= 4 && head.readUInt32LE(0) === 0x0000feff) throw utf16('UTF-32 LE', 'byte-order mark FF FE 00 00');
  if (head[0] === 0xff && head[1] === 0xfe) throw utf16('UTF-16 LE', 'byte-order mark FF FE');
  if (head[0] === 0xfe && head[1] === 0xff) throw utf16('UTF-16 BE', 'byte-order mark FE FF');
  // Without a mark, ASCII text in UTF-16 has a NUL byte next to every character.
  if (head.length >= 4 && head[0] !== 0 && head[1] === 0 && head[2] !== 0 && head[3] === 0) throw utf16('UTF-16 LE', 'a NUL byte after every character');
  if (head.length >= 4 && head[0] === 0 && head[1] !== 0 && head[2] === 0 && head[3] !== 0) throw utf16('UTF-16 BE', 'a NUL byte before every character');
  return 0;
}

/**
 * Calls `onLine(text, lineNumber)` for every line of `path` from byte `start`, reading 1 MiB at a time
 * (memory stays at one line plus one chunk); a line longer than `maxLine` bytes is an AnswerDataError.
 */
async function forEachLine(
  path: string,
  start: number,
  size: number,
  maxLine: number,
  onLine: (text: string, line: number) => void,
  onProgress?: (read: number, total: number) => void,
): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const chunk = Buffer.alloc(2 ** 20);
    let pos = start;
    let parts: Buffer[] = [];
    let partBytes = 0;
    let line = 1;
    let reported = 0;
    const emit = (tail: Buffer): void => {
      const buf = parts.length === 0 ? tail : Buffer.concat([...parts, tail]);
      parts = [];
      partBytes = 0;
      onLine(buf.toString('utf8'), line++);
    };
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      let from = 0;
      for (let nl = chunk.indexOf(0x0a, from); nl !== -1 && nl < bytesRead; nl = chunk.indexOf(0x0a, from)) {
        if (partBytes + nl - from > maxLine) break;
        emit(chunk.subarray(from, nl));
        from = nl + 1;
      }
      partBytes += bytesRead - from;
      if (partBytes > maxLine) {
        throw new AnswerDataError(
          `${path}:${line}: line ${line} is longer than the ${mib(maxLine)} limit of one JSONL line; write one item per line (or raise maxJsonBytes)`,
        );
      }
      parts.push(Buffer.from(chunk.subarray(from, bytesRead)));
      if (onProgress && (pos - reported >= size / 100 || pos >= size)) {
        reported = pos;
        onProgress(pos, size);
      }
    }
    if (partBytes > 0) emit(Buffer.alloc(0));
  } finally {
    await fh.close();
  }
}

/**
 * Reads and validates an answer-data file (JSON or JSONL); see `parseAnswerData`. JSONL is streamed
 * line by line (no file size limit; `onProgress` reports the bytes read); a JSON file, parsed in one
 * piece, may be at most `maxJsonBytes` (256 MiB). A UTF-8 byte-order mark is skipped; UTF-16 / UTF-32
 * files are refused with the encoding named and how to convert them.
 */
export async function loadAnswerData(path: string, opts: AnswerDataOptions = {}): Promise<AnswerDataset> {
  const maxJson = opts.maxJsonBytes ?? MAX_ANSWER_JSON_BYTES;
  let size: number;
  let head: Buffer;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new AnswerDataError(`${path}: not a file; pass the path of a JSON or JSONL answer-data file`);
    size = st.size;
    const fh = await open(path, 'r');
    try {
      head = Buffer.alloc(Math.min(size, 65536));
      await fh.read(head, 0, head.length, 0);
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (e instanceof AnswerDataError) throw e;
    throw new AnswerDataError(`${path}: cannot read the answer data (${(e as Error).message}); check the path`);
  }
  const bom = checkEncoding(path, head);
  const headText = head.subarray(bom).toString('utf8');
  const format = opts.format ?? 'auto';
  const asJsonl = format === 'jsonl' || (format === 'auto' && (path.endsWith('.jsonl') || looksLikeJsonl(headText)));
  if (!asJsonl) {
    if (size > maxJson) {
      throw new AnswerDataError(
        `${path}: ${mib(size)} is over the ${mib(maxJson)} limit of a JSON answer file (parsed in one piece); write JSONL instead (a {"models": [...]} header line, then one item per line), which is streamed with no size limit`,
      );
    }
    const text = (await readFile(path)).subarray(bom).toString('utf8');
    return parseAnswerData(text, path, { ...opts, format: 'json' });
  }
  const reader = jsonlReader(path, opts);
  await forEachLine(path, bom, size, maxJson, reader.line, opts.onProgress);
  return reader.finish();
}

/** Validates an in-memory dataset object of the JSON form (e.g. from a generator); see `parseAnswerData`. */
export function answerDataFromObject(
  data: { models: readonly string[]; items: readonly unknown[] },
  source = 'answer data',
  opts: AnswerDataOptions = {},
): AnswerDataset {
  if (data === null || typeof data !== 'object' || !Array.isArray(data.items))
    throw new AnswerDataError(`${source}: expected {"models": [...], "items": [...]}`);
  return build(source, data.models, data.items, opts, () => `${source}: `);
}

/** The items of `split` (`'all'`: every item), in data order. */
export function itemsOf(data: AnswerDataset, split: AnswerSplit | 'all'): AnswerItem[] {
  return split === 'all' ? [...data.items] : data.items.filter((it) => it.split === split);
}

/** How an env walks through a split: `shuffle` (a fresh seeded permutation per pass), `random` (with replacement), `sequential`. */
export type ItemOrder = 'shuffle' | 'random' | 'sequential';

/**
 * Picks the next item of a split for `reset`, seeded: the same seed gives the same sequence of items.
 * Changing split or order starts a new pass.
 */
export class ItemSampler {
  private split: AnswerSplit | 'all';
  private order: ItemOrder;
  private pool: Int32Array = new Int32Array(0);
  // the shuffle pass, drawn lazily: a seeded reset restarts it after one item, which then costs one draw
  private perm = new LazyPermutation(0);
  private cursor = 0;

  /** Samples from `data`'s `split` in `order`. */
  constructor(
    private readonly data: AnswerDataset,
    split: AnswerSplit | 'all',
    order: ItemOrder,
  ) {
    this.split = split;
    this.order = order;
    this.select(split, order);
  }

  /** The split currently sampled. */
  get currentSplit(): AnswerSplit | 'all' {
    return this.split;
  }

  /** The order currently used. */
  get currentOrder(): ItemOrder {
    return this.order;
  }

  /** Number of items in the current split. */
  get size(): number {
    return this.pool.length;
  }

  /** Switches split and/or order (a no-op when both are unchanged); validates before changing anything. */
  select(split: AnswerSplit | 'all', order: ItemOrder): void {
    if (order !== 'shuffle' && order !== 'random' && order !== 'sequential')
      throw new ConfigError(
        'order',
        `must be 'shuffle', 'random' or 'sequential', got ${preview(order)}`,
        "Use 'shuffle' for training and 'sequential' for evaluation.",
      );
    const pool = split === this.split && this.pool.length > 0 ? this.pool : this.poolOf(split);
    if (split === this.split && order === this.order && this.pool.length > 0) return;
    this.split = split;
    this.order = order;
    if (pool !== this.pool) this.perm = new LazyPermutation(pool.length);
    this.pool = pool;
    this.restart();
  }

  /** Indices into `data.items` of the items of `split`; throws `ConfigError` for an unknown or empty split. */
  private poolOf(split: AnswerSplit | 'all'): Int32Array {
    if (split !== 'train' && split !== 'test' && split !== 'all')
      throw new ConfigError('split', `must be 'train', 'test' or 'all', got ${preview(split)}`, "Pass options: { split: 'train' } or 'test'.");
    const pool: number[] = [];
    this.data.items.forEach((it, i) => (split === 'all' || it.split === split) && pool.push(i));
    if (pool.length === 0) {
      throw new ConfigError(
        'split',
        `${this.data.source} has no ${split} items`,
        `Add items with "split": "${split}", or leave split out of the items so a seeded fraction (testFraction) goes to test.`,
      );
    }
    return Int32Array.from(pool);
  }

  /** Starts a new pass (called on a seeded reset). */
  restart(): void {
    this.perm.restart();
    this.cursor = 0;
  }

  /**
   * The item of an env reset: `itemIndex` of `split` (validated before anything changes, so a rejected index
   * leaves the sampler as it was), else the next one drawn from `rng`; switches split/order first, and a
   * `reseeded` reset (a fresh generator from `reset({seed})`) restarts the pass.
   */
  pickForReset(
    options: { readonly split?: AnswerSplit | 'all'; readonly order?: ItemOrder; readonly itemIndex?: number },
    rng: Rng,
    reseeded: boolean,
  ): number {
    const split = options.split ?? this.split;
    const chosen = options.itemIndex !== undefined ? this.at(options.itemIndex, split) : undefined;
    this.select(split, options.order ?? this.order);
    if (reseeded) this.restart();
    return chosen ?? this.next(rng);
  }

  /** Index into `data.items` of the next item, drawing from `rng` as the order requires. */
  next(rng: { int(n: number): number }): number {
    const n = this.pool.length;
    if (this.order === 'random') return this.pool[rng.int(n)];
    if (this.order === 'sequential') return this.pool[this.cursor++ % n];
    if (this.perm.remaining === 0) this.perm.restart();
    return this.pool[this.perm.next(rng)];
  }

  /** Index into `data.items` of position `i` of `split` (default: the current one) without switching to it, so callers can validate before changing anything. */
  at(i: number, split: AnswerSplit | 'all' = this.split): number {
    const pool = split === this.split && this.pool.length > 0 ? this.pool : this.poolOf(split);
    if (!Number.isInteger(i) || i < 0 || i >= pool.length)
      throw new ConfigError(
        'itemIndex',
        `must be an integer in 0..${pool.length - 1} for the ${split} split, got ${preview(i)}`,
        'Pass an index within the split.',
      );
    return pool[i];
  }
}

/** 1 for each of the `maxOptions` padded options that item `item` (index into `data.items`) has, 0 for padding. */
export function optionMaskOf(data: AnswerDataset, item: number): Uint8Array {
  return new Uint8Array(data.maxOptions).fill(1, 0, data.items[item].numOptions);
}
