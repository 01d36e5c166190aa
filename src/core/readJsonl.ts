import { readFile, truncate } from 'node:fs/promises';
import { EnsembleGymError, preview } from './errors.js';
import { escapeControlChars } from './escapeControlChars.js';

/** A JSONL file with a corrupt line that is not the torn tail of a crash; names the file and the line. */
export class JsonlError extends EnsembleGymError {
  /** `source` is the file (or label), `line` the 1-based number of the bad line (0: the whole file). */
  constructor(
    readonly source: string,
    readonly line: number,
    problem: string,
    fix = 'Fix or delete that line; only a torn last line (a crash mid-write) is skipped on its own.',
  ) {
    super(`${source}${line > 0 ? `:${line}` : ''}: ${problem}. ${fix}`);
  }
}

/** Options of `readJsonl` / `parseJsonl`. */
export interface ReadJsonlOptions {
  /** Called once per warning (a skipped torn tail), besides returning it. */
  readonly onWarning?: (message: string) => void;
}

/** Records of a JSONL file plus the warnings about what was skipped. */
export interface JsonlContent<T> {
  readonly records: T[];
  /** One entry per skipped torn tail (at most one per file). */
  readonly warnings: string[];
}

/** The value of one line, or why it is not a JSON object. */
function parseLine(text: string): { value: Record<string, unknown> } | { problem: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { problem: `not valid JSON (${escapeControlChars((e as Error).message)}): ${preview(text, 60)}` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { problem: `expected a JSON object, got ${preview(v, 60)}` };
  return { value: v as Record<string, unknown> };
}

/**
 * Parses JSONL text: one JSON object per line, blank lines ignored, CRLF accepted. An invalid last
 * line that has no newline after it (or trailing NUL bytes a crash left behind) is what an append
 * cut short by a crash looks like: it is skipped and reported in `warnings`. Any other invalid line
 * throws `JsonlError` naming `source` and the line, since it means the file was damaged, not torn.
 */
export function parseJsonl<T = Record<string, unknown>>(text: string, source = 'JSONL text', opts: ReadJsonlOptions = {}): JsonlContent<T> {
  const records: T[] = [];
  const warnings: string[] = [];
  const warn = (m: string): void => {
    warnings.push(m);
    opts.onWarning?.(m);
  };
  // A UTF-8 byte-order mark (some Windows editors write one) is not part of the first record.
  const unmarked = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // Some file systems zero-fill the end of a file whose size was updated before its data reached disk.
  const nulTail = /\u0000+$/.exec(unmarked);
  let body = unmarked;
  if (nulTail) {
    body = unmarked.slice(0, nulTail.index);
    warn(`${source}: skipped ${nulTail[0].length} NUL bytes at the end (left by a crash during a write)`);
  }
  const lines = body.split('\n');
  const endsWithNewline = lines[lines.length - 1] === '';
  if (endsWithNewline) lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (raw.trim() === '') continue;
    const parsed = parseLine(raw);
    if ('value' in parsed) {
      records.push(parsed.value as T);
      continue;
    }
    const torn = i === lines.length - 1 && (!endsWithNewline || nulTail !== null);
    if (!torn) throw new JsonlError(source, i + 1, parsed.problem);
    warn(`${source}:${i + 1}: skipped the torn last line (${raw.length} chars, no newline after it; a write was cut short)`);
  }
  return { records, warnings };
}

/**
 * Reads a metrics JSONL file (e.g. the Trainer's `metricsPath`) with the rules of `parseJsonl`:
 * a torn last line after a crash is skipped with a warning; a corrupt line elsewhere throws
 * `JsonlError` naming the file and line; an unreadable file throws `JsonlError` at line 0.
 */
export async function readJsonl<T = Record<string, unknown>>(path: string, opts: ReadJsonlOptions = {}): Promise<JsonlContent<T>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new JsonlError(path, 0, `cannot be read (${code ?? (e as Error).message})`, 'Check the path and the file permissions.');
  }
  return parseJsonl<T>(text, path, opts);
}

/**
 * Makes a JSONL file safe to append to after a crash: when its last line is torn (see `parseJsonl`),
 * the file is cut back to the end of its last complete line, so the next append does not glue a new
 * record onto the fragment (which would turn a skippable tail into a corrupt middle line). Returns
 * the warning about what was cut, or null when the file was intact or does not exist. A corrupt
 * line elsewhere throws `JsonlError`, and the file is left as it is.
 */
export async function truncateTornTail(path: string, opts: ReadJsonlOptions = {}): Promise<string | null> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new JsonlError(path, 0, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'Check the path and the file permissions.');
  }
  const { warnings } = parseJsonl(buf.toString('utf8'), path);
  if (warnings.length === 0) return null;
  // Cut in bytes, after the last newline that precedes the torn part (NUL padding included).
  let end = buf.length;
  while (end > 0 && buf[end - 1] === 0) end--;
  const keep = buf.lastIndexOf(0x0a, end - 1) + 1;
  await truncate(path, keep);
  const message = `${path}: cut ${buf.length - keep} bytes of a torn last line so that appends start on a fresh line`;
  opts.onWarning?.(message);
  return message;
}
