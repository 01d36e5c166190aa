import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnswerDataError, MAX_ANSWER_JSON_BYTES, loadAnswerData, parseAnswerData } from '../../src/envs/answerData.js';

const models = ['m0', 'm1'];

test('huge finite scores are normalised to sum 1 (scaled by the maximum before summing)', () => {
  const items = [
    {
      id: 'q',
      label: 0,
      scores: [
        [1.797e308, 1.797e308, 0.1],
        [5e-324, 0, 0],
      ],
    },
  ];
  const data = parseAnswerData(JSON.stringify({ models, items }), 'data.json');
  const [huge, tiny] = data.items[0].probs;
  assert.deepEqual(Array.from(huge), [0.5, 0.5, 0]);
  assert.deepEqual(Array.from(tiny), [1, 0, 0], 'a subnormal maximum still normalises');
});

/** A temp folder for one test's files, removed after. */
async function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'leg-answers-'));
  try {
    await f(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const item = (id: string) => ({
  id,
  label: 1,
  scores: [
    [0.2, 0.8],
    [0.6, 0.4],
  ],
});
const jsonText = JSON.stringify({ models, items: [item('a'), item('b')] });
const jsonlText = [JSON.stringify({ models }), JSON.stringify(item('a')), JSON.stringify(item('b'))].join('\n');

/** Asserts that `p` rejects with an AnswerDataError whose message matches every pattern and holds no raw control byte. */
async function rejects(p: Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof AnswerDataError, String(e));
    for (const re of patterns) assert.match(e.message, re);
    assert.doesNotMatch(e.message, /[\u0000-\u0008\u000e-\u001f\ufeff]/, 'no raw control characters or BOM in the message');
    return true;
  });
}

test('a UTF-8 byte-order mark is skipped in JSON and JSONL files and in parsed text', async () => {
  await withDir(async (dir) => {
    for (const [name, text] of [
      ['a.json', jsonText],
      ['a.jsonl', jsonlText],
    ]) {
      const path = join(dir, name);
      await writeFile(path, `\ufeff${text}`);
      assert.deepEqual(
        (await loadAnswerData(path)).items.map((it) => it.id),
        ['a', 'b'],
        name,
      );
    }
    assert.equal(parseAnswerData(`\ufeff${jsonText}`, 'x.json').items.length, 2);
  });
});

test('UTF-16 and UTF-32 files are refused naming the encoding and how to convert', async () => {
  await withDir(async (dir) => {
    const le = join(dir, 'le.json');
    await writeFile(le, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(jsonText, 'utf16le')]));
    await rejects(loadAnswerData(le), /le\.json: the file is UTF-16 LE \(byte-order mark FF FE\)/, /must be UTF-8/, /iconv -f UTF-16LE -t UTF-8/);
    const be = join(dir, 'be.jsonl');
    await writeFile(be, Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(jsonlText, 'utf16le').swap16()]));
    await rejects(loadAnswerData(be), /UTF-16 BE/);
    const noMark = join(dir, 'nomark.json');
    await writeFile(noMark, Buffer.from(jsonText, 'utf16le'));
    await rejects(loadAnswerData(noMark), /UTF-16 LE \(a NUL byte after every character\)/);
    const u32 = join(dir, 'u32.json');
    await writeFile(u32, Buffer.from([0xff, 0xfe, 0, 0, 0x7b, 0, 0, 0]));
    await rejects(loadAnswerData(u32), /UTF-32 LE/);
  });
});

test('a .jsonl file holding one {"models", "items"} object is read as that object; split across lines it is explained', async () => {
  await withDir(async (dir) => {
    const one = join(dir, 'one.jsonl');
    await writeFile(one, `${jsonText}\n`);
    assert.deepEqual(
      (await loadAnswerData(one)).items.map((it) => it.id),
      ['a', 'b'],
    );
    assert.equal(parseAnswerData(jsonText, 'one.jsonl').items.length, 2);
    const pretty = join(dir, 'pretty.jsonl');
    await writeFile(pretty, JSON.stringify({ models, items: [item('a')] }, null, 2));
    await rejects(loadAnswerData(pretty), /pretty\.jsonl:1: not valid JSON/, /one JSON object written over several lines: name the file \.json/);
    const both = join(dir, 'both.jsonl');
    await writeFile(both, `${jsonText}\n${JSON.stringify(item('c'))}\n`);
    await rejects(loadAnswerData(both), /both\.jsonl:1: the header line holds "items" and more lines follow \(line 2\)/);
  });
});

test('a JSON file over the size limit is refused up front, stating the limit; JSONL lines have the same limit', async () => {
  await withDir(async (dir) => {
    // Sparse: 600 MiB on paper, no disk used; the old loader read it whole and died with "Invalid string length".
    const big = join(dir, 'big.json');
    await writeFile(big, '');
    await truncate(big, 600 * 2 ** 20);
    const t0 = performance.now();
    await rejects(loadAnswerData(big), /big\.json: 600 MiB is over the 256 MiB limit of a JSON answer file/, /write JSONL instead/);
    assert.ok(performance.now() - t0 < 2000, 'refused without reading the file');
    assert.equal(MAX_ANSWER_JSON_BYTES, 256 * 2 ** 20);
    const small = join(dir, 'small.json');
    await writeFile(small, jsonText);
    await rejects(loadAnswerData(small, { maxJsonBytes: 100 }), /over the 0?\.?\d+ MiB limit/);
    const longLine = join(dir, 'long.jsonl');
    await writeFile(longLine, `${JSON.stringify({ models })}\n${JSON.stringify({ ...item('a'), pad: 'x'.repeat(3 * 2 ** 20) })}\n`);
    await rejects(loadAnswerData(longLine, { maxJsonBytes: 2 ** 20 }), /long\.jsonl:2: line 2 is longer than the 1 MiB limit of one JSONL line/);
  });
});

test('a NUL byte in a data file is shown escaped in the message, never raw', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'nul.jsonl');
    await writeFile(path, `${JSON.stringify({ models })}\n{"id": "a",\u0000 "label": 0}\n`);
    await rejects(loadAnswerData(path), /nul\.jsonl:2: not valid JSON/, /NUL byte \(\\u0000\) at character 12/);
    // Here V8's own message quotes the text around the NUL: it is escaped too.
    await rejects(
      Promise.resolve().then(() => parseAnswerData(`{"models": \u0000["m"]}`, 'x.json')),
      /x\.json: not valid JSON \(.*\\u0000.*\)/,
    );
  });
});

test('JSONL is streamed in chunks with progress, and gives the same dataset as the parsed text', async () => {
  await withDir(async (dir) => {
    // About 3 MiB: several 1 MiB chunks, lines cut at chunk borders, CRLF line ends.
    const lines = [JSON.stringify({ models })];
    for (let i = 0; i < 30_000; i++)
      lines.push(
        JSON.stringify({
          id: `q${i}`,
          task: `t${i % 3}`,
          label: i % 2,
          scores: [
            [0.25, 0.75],
            [(i % 7) / 7, 1],
          ],
        }),
      );
    const text = lines.join('\r\n');
    const path = join(dir, 'many.jsonl');
    await writeFile(path, text);
    const progress: number[] = [];
    const streamed = await loadAnswerData(path, { onProgress: (read, total) => progress.push(read / total) });
    const parsed = parseAnswerData(text, path);
    assert.deepEqual(streamed, parsed);
    assert.equal(streamed.items.length, 30_000);
    assert.ok(progress.length >= 3, `progress reported ${progress.length} times`);
    assert.equal(progress[progress.length - 1], 1);
    assert.ok(
      progress.every((p, i) => i === 0 || p > progress[i - 1]),
      'progress only grows',
    );
  });
});
