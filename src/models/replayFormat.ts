import { z } from 'zod';
import { ModelLoadError } from './errors.js';
import type { NextToken, TopK } from './ModelAdapter.js';

/**
 * The replay file format (JSONL) shared by `RecordingModel` (writer) and `ReplayModel` (reader).
 * Line 1 is a header describing the recorded model; every later line is one `next()` answer keyed
 * by the prompt and the ids appended after it:
 *
 * ```
 * {"format":"llm-ensemble-gym/replay","version":1,"id":"tiny","vocabSize":48,"hiddenSize":16,"maxContext":64}
 * {"prompt":"2+2=","promptLength":5,"appended":[],"logprobs":[-3.1,...],"hidden":[0.1,...]}
 * {"prompt":"2+2=","promptLength":5,"appended":[12],"topk":{"ids":[3,9],"logprobs":[-0.1,-2.5],"restMass":0.0058}}
 * ```
 */
export const REPLAY_FORMAT = 'llm-ensemble-gym/replay';

/** Header line of a replay file. */
export const replayHeaderSchema = z.object({
  format: z.literal(REPLAY_FORMAT),
  version: z.literal(1),
  id: z.string().min(1),
  vocabSize: z.number().int().positive(),
  hiddenSize: z.number().int().nonnegative(),
  maxContext: z.number().int().positive(),
});
/** Parsed header line. */
export type ReplayHeader = z.infer<typeof replayHeaderSchema>;

const topkSchema = z.object({
  ids: z.array(z.number().int().nonnegative()),
  logprobs: z.array(z.number().max(1e-6)),
  restMass: z.number().min(0).max(1),
});

/** One recorded answer: exactly one of `logprobs` (full) or `topk`. */
export const replayRecordSchema = z
  .object({
    prompt: z.string(),
    promptLength: z.number().int().positive(),
    appended: z.array(z.number().int().nonnegative()),
    logprobs: z.array(z.number()).optional(),
    topk: topkSchema.optional(),
    hidden: z.array(z.number()).optional(),
  })
  .refine((r) => (r.logprobs === undefined) !== (r.topk === undefined), { message: 'give exactly one of "logprobs" and "topk"', path: ['logprobs'] });
/** Parsed record line. */
export type ReplayRecord = z.infer<typeof replayRecordSchema>;

/** The lookup key of an answer: prompt and appended ids. */
export function replayKey(prompt: string, appended: readonly number[]): string {
  return `${JSON.stringify(prompt)}|${appended.join(',')}`;
}

/** A record (plain JSON) for `next` after `prompt` + `appended`. */
export function toReplayRecord(prompt: string, promptLength: number, appended: readonly number[], next: NextToken, keepHidden: boolean): ReplayRecord {
  const lp = next.logprobs;
  const dist =
    lp instanceof Float32Array ? { logprobs: Array.from(lp) } : { topk: { ids: Array.from(lp.ids), logprobs: Array.from(lp.logprobs), restMass: lp.restMass } };
  return { prompt, promptLength, appended: [...appended], ...dist, ...(keepHidden && next.hidden ? { hidden: Array.from(next.hidden) } : {}) };
}

/** The `NextToken` a record stands for (fresh arrays each call). */
export function fromReplayRecord(r: ReplayRecord): NextToken {
  const logprobs: Float32Array | TopK = r.logprobs
    ? Float32Array.from(r.logprobs)
    : { ids: Int32Array.from(r.topk!.ids), logprobs: Float32Array.from(r.topk!.logprobs), restMass: r.topk!.restMass };
  return r.hidden ? { logprobs, hidden: Float32Array.from(r.hidden) } : { logprobs };
}

/** Serializes a header and records as JSONL text. */
export function formatReplay(header: ReplayHeader, records: Iterable<ReplayRecord>): string {
  const lines = [JSON.stringify(header)];
  for (const r of records) lines.push(JSON.stringify(r));
  return `${lines.join('\n')}\n`;
}

/** Parses and validates JSONL replay text; errors name `source`, the line and the field. */
export function parseReplay(text: string, source: string): { header: ReplayHeader; records: ReplayRecord[] } {
  const lines = text.split('\n');
  const fail = (line: number, field: string, problem: string): never => {
    throw new ModelLoadError(source, problem, 'Fix or drop that line; RecordingModel writes valid files.', `line ${line}${field ? `, field "${field}"` : ''}`);
  };
  const parseLine = (i: number): unknown => {
    try {
      return JSON.parse(lines[i]);
    } catch (e) {
      return fail(i + 1, '', `not valid JSON (${(e as Error).message})`);
    }
  };
  const check = <T>(schema: z.ZodType<T>, value: unknown, line: number): T => {
    const r = schema.safeParse(value);
    if (!r.success) {
      const issue = r.error.issues[0];
      fail(line, issue.path.join('.'), issue.message);
    }
    return (r as { data: T }).data;
  };
  if (lines[0] === undefined || lines[0].trim() === '') fail(1, '', 'the header line is missing');
  const header = check(replayHeaderSchema, parseLine(0), 1);
  const records: ReplayRecord[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const r = check(replayRecordSchema, parseLine(i), i + 1);
    const line = i + 1;
    if (r.logprobs && r.logprobs.length !== header.vocabSize)
      fail(line, 'logprobs', `has ${r.logprobs.length} entries, the header's vocabSize is ${header.vocabSize}`);
    if (r.topk && r.topk.ids.length !== r.topk.logprobs.length) fail(line, 'topk.ids', 'ids and logprobs differ in length');
    const badId = [...r.appended, ...(r.topk?.ids ?? [])].find((id) => id >= header.vocabSize);
    if (badId !== undefined) fail(line, r.appended.includes(badId) ? 'appended' : 'topk.ids', `id ${badId} is outside [0, ${header.vocabSize})`);
    if (r.hidden && r.hidden.length !== header.hiddenSize)
      fail(line, 'hidden', `has ${r.hidden.length} entries, the header's hiddenSize is ${header.hiddenSize}`);
    if (r.promptLength + r.appended.length > header.maxContext) fail(line, 'appended', `the sequence is longer than maxContext ${header.maxContext}`);
    records.push(r);
  }
  return { header, records };
}
