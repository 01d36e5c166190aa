import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError, EnsembleGymError, preview } from '../core/errors.js';
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
}

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
    throw new AnswerDataError(`${where}: not valid JSON (${(e as Error).message})`);
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

function normalise(scores: readonly number[]): Float32Array {
  let z = 0;
  for (const s of scores) z += s;
  return z > 0 ? Float32Array.from(scores, (s) => s / z) : new Float32Array(scores.length).fill(1 / scores.length);
}

/**
 * Builds a dataset from already-parsed parts, validating every item (`where(i)` names item i in
 * messages). The single path every loader goes through.
 */
function build(source: string, rawModels: unknown, rawItems: readonly unknown[], opts: AnswerDataOptions, where: (i: number) => string): AnswerDataset {
  const testFraction = opts.testFraction ?? 0.2;
  if (!(testFraction >= 0 && testFraction <= 1)) throw new ConfigError('testFraction', `must be in [0, 1], got ${testFraction}`, 'Set testFraction to the share of unsplit items that go to test.');
  const splitSeed = opts.splitSeed ?? 0;
  const header = headerSchema.safeParse({ models: rawModels });
  if (!header.success) throw new AnswerDataError(`${source}: ${issueText({ models: rawModels }, header.error.issues[0], [])}`);
  const models = header.data.models;
  const dupModel = models.find((m, i) => models.indexOf(m) !== i);
  if (dupModel !== undefined) throw new AnswerDataError(`${source}: models lists "${dupModel}" twice; model names must be unique (they name the agents)`);
  const seen = new Map<string, number>();
  const items: AnswerItem[] = rawItems.map((raw, i) => {
    const r = itemSchema.safeParse(raw);
    if (!r.success) throw new AnswerDataError(`${where(i)}${issueText(raw, r.error.issues[0], ['items', i])}`);
    const it: RawItem = r.data;
    const id = String(it.id);
    const at = `items[${i}]`;
    const prev = seen.get(id);
    if (prev !== undefined) throw new AnswerDataError(`${where(i)}${at}.id "${id}" repeats items[${prev}].id; item ids must be unique`);
    seen.set(id, i);
    if (it.scores.length !== models.length) {
      throw new AnswerDataError(`${where(i)}${at}.scores has ${it.scores.length} rows but there are ${models.length} models (${models.join(', ')}); give one row of option scores per model`);
    }
    const k = it.scores[0].length;
    it.scores.forEach((row, m) => {
      if (row.length !== k) throw new AnswerDataError(`${where(i)}${at}.scores[${m}] has ${row.length} options but ${at}.scores[0] has ${k}; every model scores the same options`);
    });
    if (it.label >= k) throw new AnswerDataError(`${where(i)}${at}.scores[${models.length - 1}] has ${k} options, label ${it.label} is out of range (0..${k - 1})`);
    const split: AnswerSplit = it.split ?? (splitDraw(splitSeed, id) < testFraction ? 'test' : 'train');
    return { id, task: it.task ?? 'default', split, label: it.label, numOptions: k, probs: it.scores.map(normalise) };
  });
  const maxOptions = items.reduce((a, it) => Math.max(a, it.numOptions), 0);
  const tasks = [...new Set(items.map((it) => it.task))].sort();
  return { models, items, maxOptions, tasks, source };
}

/**
 * Parses answer data from text: a JSON object `{"models": [...], "items": [...]}`, or JSONL whose
 * first line is `{"models": [...]}` and every further non-empty line one item. Items hold `id`,
 * optional `task` and `split`, `label` (0-based option index) and `scores[model][option]` (finite,
 * ≥ 0, normalised per model). Errors name `source` and the JSON path (and the line for JSONL).
 */
export function parseAnswerData(text: string, source = 'answer data', opts: AnswerDataOptions = {}): AnswerDataset {
  const format = opts.format ?? 'auto';
  const asJsonl = format === 'jsonl' || (format === 'auto' && (source.endsWith('.jsonl') || looksLikeJsonl(text)));
  if (!asJsonl) {
    const root = parseJson(text, source);
    const r = fileSchema.safeParse(root);
    if (!r.success) throw new AnswerDataError(`${source}: ${issueText(root, r.error.issues[0], [])}`);
    return build(source, r.data.models, r.data.items, opts, () => `${source}: `);
  }
  const lines = text.split(/\r?\n/);
  const rows: { line: number; value: unknown }[] = [];
  lines.forEach((l, i) => {
    if (l.trim() !== '') rows.push({ line: i + 1, value: parseJson(l, `${source}:${i + 1}`) });
  });
  if (rows.length === 0) throw new AnswerDataError(`${source}: empty; the first line must be {"models": [...]}`);
  const head = rows[0].value as { models?: unknown } | null;
  if (head === null || typeof head !== 'object' || !('models' in head)) {
    throw new AnswerDataError(`${source}:${rows[0].line}: the first line must be a header {"models": ["m0", ...]}, got ${JSON.stringify(head)?.slice(0, 60)}`);
  }
  const items = rows.slice(1);
  return build(source, head.models, items.map((r) => r.value), opts, (i) => `${source}:${items[i].line}: `);
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

/** Reads and validates an answer-data file (JSON or JSONL); see `parseAnswerData`. */
export async function loadAnswerData(path: string, opts: AnswerDataOptions = {}): Promise<AnswerDataset> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new AnswerDataError(`${path}: cannot read the answer data (${(e as Error).message}); check the path`);
  }
  return parseAnswerData(text, path, opts);
}

/** Validates an in-memory dataset object of the JSON form (e.g. from a generator); see `parseAnswerData`. */
export function answerDataFromObject(data: { models: readonly string[]; items: readonly unknown[] }, source = 'answer data', opts: AnswerDataOptions = {}): AnswerDataset {
  if (data === null || typeof data !== 'object' || !Array.isArray(data.items)) throw new AnswerDataError(`${source}: expected {"models": [...], "items": [...]}`);
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
  private perm: Int32Array | null = null;
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
    if (order !== 'shuffle' && order !== 'random' && order !== 'sequential') throw new ConfigError('order', `must be 'shuffle', 'random' or 'sequential', got ${preview(order)}`, "Use 'shuffle' for training and 'sequential' for evaluation.");
    const pool = split === this.split && this.pool.length > 0 ? this.pool : this.poolOf(split);
    if (split === this.split && order === this.order && this.pool.length > 0) return;
    this.split = split;
    this.order = order;
    this.pool = pool;
    this.restart();
  }

  /** Indices into `data.items` of the items of `split`; throws `ConfigError` for an unknown or empty split. */
  private poolOf(split: AnswerSplit | 'all'): Int32Array {
    if (split !== 'train' && split !== 'test' && split !== 'all') throw new ConfigError('split', `must be 'train', 'test' or 'all', got ${preview(split)}`, "Pass options: { split: 'train' } or 'test'.");
    const pool: number[] = [];
    this.data.items.forEach((it, i) => (split === 'all' || it.split === split) && pool.push(i));
    if (pool.length === 0) {
      throw new ConfigError('split', `${this.data.source} has no ${split} items`, `Add items with "split": "${split}", or leave split out of the items so a seeded fraction (testFraction) goes to test.`);
    }
    return Int32Array.from(pool);
  }

  /** Starts a new pass (called on a seeded reset). */
  restart(): void {
    this.perm = null;
    this.cursor = 0;
  }

  /**
   * The item of an env reset: `itemIndex` of `split` (validated before anything changes, so a rejected index
   * leaves the sampler as it was), else the next one drawn from `rng`; switches split/order first, and a
   * `reseeded` reset (a fresh generator from `reset({seed})`) restarts the pass.
   */
  pickForReset(options: { readonly split?: AnswerSplit | 'all'; readonly order?: ItemOrder; readonly itemIndex?: number }, rng: Rng, reseeded: boolean): number {
    const split = options.split ?? this.split;
    const chosen = options.itemIndex !== undefined ? this.at(options.itemIndex, split) : undefined;
    this.select(split, options.order ?? this.order);
    if (reseeded) this.restart();
    return chosen ?? this.next(rng);
  }

  /** Index into `data.items` of the next item, drawing from `rng` as the order requires. */
  next(rng: { int(n: number): number; permutation(n: number): Int32Array }): number {
    const n = this.pool.length;
    if (this.order === 'random') return this.pool[rng.int(n)];
    if (this.order === 'sequential') return this.pool[this.cursor++ % n];
    if (this.perm === null || this.cursor >= n) {
      this.perm = rng.permutation(n);
      this.cursor = 0;
    }
    return this.pool[this.perm[this.cursor++]];
  }

  /** Index into `data.items` of position `i` of `split` (default: the current one) without switching to it, so callers can validate before changing anything. */
  at(i: number, split: AnswerSplit | 'all' = this.split): number {
    const pool = split === this.split && this.pool.length > 0 ? this.pool : this.poolOf(split);
    if (!Number.isInteger(i) || i < 0 || i >= pool.length) throw new ConfigError('itemIndex', `must be an integer in 0..${pool.length - 1} for the ${split} split, got ${preview(i)}`, 'Pass an index within the split.');
    return pool[i];
  }
}

/** 1 for each of the `maxOptions` padded options that item `item` (index into `data.items`) has, 0 for padding. */
export function optionMaskOf(data: AnswerDataset, item: number): Uint8Array {
  return new Uint8Array(data.maxOptions).fill(1, 0, data.items[item].numOptions);
}
