import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnswerDataError, ItemSampler, answerDataFromObject, itemsOf, loadAnswerData, parseAnswerData } from '../../src/envs/answerData.js';
import { Rng } from '../../src/core/Rng.js';

const models = ['m0', 'm1', 'm2'];
const item = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  task: 't',
  split: 'train',
  label: 1,
  scores: [
    [1, 3],
    [2, 2],
    [0, 0],
  ],
  ...extra,
});

test('JSON and JSONL forms give the same dataset; scores are normalised per model', () => {
  const items = [
    item('a'),
    item('b', {
      scores: [
        [1, 1, 2],
        [0, 1, 0],
        [1, 0, 0],
      ],
      label: 2,
      split: 'test',
    }),
  ];
  const fromJson = parseAnswerData(JSON.stringify({ models, items }), 'data.json');
  const fromJsonl = parseAnswerData([JSON.stringify({ models }), ...items.map((i) => JSON.stringify(i)), ''].join('\n'), 'data.jsonl');
  assert.deepEqual(fromJsonl.items, fromJson.items);
  assert.deepEqual(Array.from(fromJson.items[0].probs[0]), [0.25, 0.75]);
  assert.deepEqual(Array.from(fromJson.items[0].probs[2]), [0.5, 0.5], 'all-zero scores become uniform');
  assert.equal(fromJson.maxOptions, 3, 'option counts may differ between items');
  assert.deepEqual(fromJson.tasks, ['t']);
  assert.equal(itemsOf(fromJson, 'test').length, 1);
  // Content-based detection of JSONL without the extension.
  assert.equal(parseAnswerData([JSON.stringify({ models }), JSON.stringify(items[0])].join('\n'), 'data.txt').items.length, 1);
});

test('errors name the file, the line (JSONL) and the JSON path', () => {
  const bad = (items: unknown[], re: RegExp, src = 'data.json') =>
    assert.throws(
      () => parseAnswerData(JSON.stringify({ models, items }), src),
      (e: unknown) => e instanceof AnswerDataError && re.test(e.message),
    );
  bad(
    [
      ...Array(17)
        .fill(0)
        .map((_, i) => item(`q${i}`)),
      item('x', {
        label: 4,
        scores: [
          [1, 1, 1],
          [1, 1, 1],
          [1, 1, 1],
        ],
      }),
    ],
    /^data\.json: items\[17\]\.scores\[2\] has 3 options, label 4 is out of range/,
  );
  bad([item('a'), item('a')], /items\[1\]\.id "a" repeats items\[0\]\.id/);
  bad(
    [
      item('a', {
        scores: [
          [1, -1],
          [1, 1],
          [1, 1],
        ],
      }),
    ],
    /items\[0\]\.scores\[0\]\[1\]/,
  );
  bad(
    [
      item('a', {
        scores: [
          [1, 1],
          [1, 1, 1],
          [1, 1],
        ],
      }),
    ],
    /items\[0\]\.scores\[1\] has 3 options but items\[0\]\.scores\[0\] has 2/,
  );
  bad(
    [
      item('a', {
        scores: [
          [1, 1],
          [1, 1],
        ],
      }),
    ],
    /items\[0\]\.scores has 2 rows but there are 3 models/,
  );
  bad([item('a', { split: 'dev' })], /items\[0\]\.split/);
  assert.throws(() => parseAnswerData('{"models": [], "items": []}', 'data.json'), /data\.json: models is empty/);
  assert.throws(() => parseAnswerData('{"models": ["a", "a"], "items": []}', 'data.json'), /"a" twice/);
  assert.throws(
    () => parseAnswerData('{"models": ["a"], "items": [{"id": "q", "label": 0, "scores": [[NaN, 1]]}]}', 'data.json'),
    /data\.json: items\[0\]\.scores\[0\]\[0\] is NaN/,
  );
  assert.throws(
    () => parseAnswerData('{"models": ["a"], "items": [{"id": "q", "label": 0, "scores": [[1, -Infinity]]}]}', 'data.json'),
    /scores\[0\]\[1\] is -Infinity/,
  );
  assert.throws(() => parseAnswerData('{"models": ["a"], "items": [', 'data.json'), /data\.json: not valid JSON/);
  const jsonl = [JSON.stringify({ models }), JSON.stringify(item('a')), '', JSON.stringify(item('b', { label: 7 }))].join('\n');
  assert.throws(() => parseAnswerData(jsonl, 'data.jsonl'), /: data\.jsonl:4: items\[1\]\.scores\[2\] has 2 options, label 7/);
  assert.throws(() => parseAnswerData(JSON.stringify(item('a')) + '\n', 'data.jsonl'), /data\.jsonl:1: the first line must be a header/);
  assert.throws(
    () =>
      answerDataFromObject({
        models,
        items: [
          item('a', {
            scores: [
              [Number.NaN, 1],
              [1, 1],
              [1, 1],
            ],
          }),
        ],
      }),
    /items\[0\]\.scores\[0\]\[0\]/,
  );
});

test('items without a split get a seeded split by fraction, stable per item', () => {
  const items = Array.from({ length: 400 }, (_, i) => item(`q${i}`, { split: undefined }));
  const a = answerDataFromObject({ models, items }, 'x', { testFraction: 0.25, splitSeed: 3 });
  const b = answerDataFromObject({ models, items: items.slice(0, 200) }, 'x', { testFraction: 0.25, splitSeed: 3 });
  const test = itemsOf(a, 'test').length;
  assert.ok(test > 60 && test < 140, `${test} test items`);
  assert.deepEqual(
    b.items.map((i) => i.split),
    a.items.slice(0, 200).map((i) => i.split),
    'an item keeps its split when others are added',
  );
  const c = answerDataFromObject({ models, items }, 'x', { testFraction: 0.25, splitSeed: 4 });
  assert.notDeepEqual(
    c.items.map((i) => i.split),
    a.items.map((i) => i.split),
  );
});

test('loadAnswerData reads a file and names it in errors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'answers-'));
  const p = join(dir, 'd.jsonl');
  await writeFile(p, [JSON.stringify({ models }), JSON.stringify(item('a'))].join('\n'));
  assert.equal((await loadAnswerData(p)).items.length, 1);
  await assert.rejects(loadAnswerData(join(dir, 'missing.json')), /missing\.json: cannot read/);
});

test('ItemSampler: seeded shuffle passes visit every item once; sequential walks in order', () => {
  const data = answerDataFromObject({ models, items: Array.from({ length: 10 }, (_, i) => item(`q${i}`, { split: i < 7 ? 'train' : 'test' })) });
  const s = new ItemSampler(data, 'train', 'shuffle');
  const rng = new Rng(1);
  const pass = Array.from({ length: 7 }, () => s.next(rng));
  assert.deepEqual([...pass].sort(), [0, 1, 2, 3, 4, 5, 6]);
  s.select('test', 'sequential');
  assert.deepEqual([s.next(rng), s.next(rng), s.next(rng), s.next(rng)], [7, 8, 9, 7]);
  assert.throws(() => s.select('dev' as 'test', 'shuffle'), /split/);
  assert.throws(() => s.at(3), /itemIndex/);
  const onlyTrain = answerDataFromObject({ models, items: [item('a')] });
  assert.throws(() => new ItemSampler(onlyTrain, 'test', 'shuffle'), /has no test items/);
});
