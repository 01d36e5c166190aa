import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportAdapterContractTests } from '../../src/models/contract/exportAdapterContractTests.js';
import { ModelInputError, ModelLoadError } from '../../src/models/errors.js';
import { HfTokenizer } from '../../src/models/HfTokenizer.js';
import { OnnxCausalLM } from '../../src/models/OnnxCausalLM.js';
import { RecordingModel } from '../../src/models/RecordingModel.js';
import { ReplayModel } from '../../src/models/ReplayModel.js';
import { makeTinyDecoderDir, type TinyDecoderDir } from '../../src/testing/tinyDecoder.js';

let tiny: TinyDecoderDir;
let work: string;
let replayPath: string;
let tokenizer: HfTokenizer;

before(async () => {
  tiny = await makeTinyDecoderDir({ seed: 5 });
  work = await mkdtemp(join(tmpdir(), 'leg-replay-'));
  replayPath = join(work, 'tiny.replay.jsonl');
  tokenizer = await HfTokenizer.fromFile(join(tiny.dir, 'tokenizer.json'));
  // Record every path the contract suite walks (its default prompts and append text).
  const rec = new RecordingModel(await OnnxCausalLM.load(tiny.dir), replayPath);
  for (const p of ['ab', 'a b c', 'ab cab']) {
    const s = await rec.start(p);
    await s.next();
    if (p === 'ab') {
      for (const id of tokenizer.encode(' cab')) {
        await s.append([id]);
        await s.next();
      }
    }
    await s.dispose();
  }
  // The contract's sequence that ends in EOS.
  const e = await rec.start('ab');
  await e.append([tokenizer.specialTokens.eos!]);
  await e.next();
  await e.dispose();
  await rec.close();
});
after(async () => {
  await rm(work, { recursive: true, force: true });
  await tiny.cleanup();
});

exportAdapterContractTests('ReplayModel (recorded tiny decoder)', () => ReplayModel.load(replayPath, { tokenizer }));

test('replay gives exactly what the model gave, and the file was written atomically (no temp left)', async () => {
  const live = await OnnxCausalLM.load(tiny.dir);
  const replay = await ReplayModel.load(replayPath, { tokenizer });
  assert.equal(replay.size, 3 + 4 + 1);
  assert.equal(replay.hiddenSize, live.hiddenSize);
  const a = await live.start('ab');
  const b = await replay.start('ab');
  // same call pattern as the recording (next, then append), so the floats are bit-identical
  await a.next();
  await a.append([4]);
  await b.append([4]);
  const x = await a.next();
  const y = await b.next();
  assert.deepEqual(x.logprobs, y.logprobs);
  assert.deepEqual(x.hidden, y.hidden);
  assert.equal(a.length, b.length);
  assert.deepEqual(
    (await readdir(work)).filter((f) => f.includes('.tmp')),
    [],
  );
  await live.close();
});

test('unrecorded prompts and paths throw ModelInputError saying how to record them', async () => {
  const replay = await ReplayModel.load(replayPath, { tokenizer });
  await assert.rejects(replay.start('never seen'), (e: unknown) => e instanceof ModelInputError && /never recorded.*RecordingModel/.test(e.message));
  const s = await replay.start('ab');
  await s.append([9]);
  await assert.rejects(s.next(), (e: unknown) => e instanceof ModelInputError && /appended \[9\]/.test(e.message));
});

test('recordHidden: false drops hidden states and reports hiddenSize 0', async () => {
  const path = join(work, 'nohidden.jsonl');
  const rec = new RecordingModel(await OnnxCausalLM.load(tiny.dir), path, { recordHidden: false });
  assert.equal(rec.hiddenSize, 0);
  const s = await rec.start('ab');
  assert.equal((await s.next()).hidden, undefined);
  await rec.close();
  const replay = await ReplayModel.load(path, { tokenizer });
  assert.equal((await (await replay.start('ab')).next()).hidden, undefined);
});

test('malformed files are rejected with the line and field named', async () => {
  const text = await readFile(replayPath, 'utf8');
  const [header, first] = text.split('\n');
  const rec = JSON.parse(first);
  const V = JSON.parse(header).vocabSize;
  const cases: Array<[string, RegExp]> = [
    ['', /line 1.*header line is missing/],
    ['{"format":"other"}', /line 1, field "format"/],
    [`${header}\n{oops`, /line 2.*not valid JSON/],
    [`${header}\n${JSON.stringify({ ...rec, logprobs: [0, 0] })}`, new RegExp(`line 2, field "logprobs".*vocabSize is ${V}`)],
    [`${header}\n${JSON.stringify({ ...rec, appended: [V] })}`, /line 2, field "appended".*outside/],
    [`${header}\n\n${JSON.stringify({ ...rec, promptLength: 'x' })}`, /line 3, field "promptLength"/],
    [`${header}\n${JSON.stringify({ ...rec, topk: { ids: [1], logprobs: [-1], restMass: 0.6 } })}`, /exactly one of/],
    [`${header}\n${JSON.stringify({ ...rec, hidden: [1] })}`, /field "hidden"/],
  ];
  for (const [content, re] of cases) {
    const p = join(work, 'bad.jsonl');
    await writeFile(p, content);
    await assert.rejects(ReplayModel.load(p, { tokenizer }), (e: unknown) => e instanceof ModelLoadError && re.test(e.message), `${re}`);
  }
  await assert.rejects(ReplayModel.load(join(work, 'missing.jsonl'), { tokenizer }), /cannot read the replay file/);
});

test('top-k records replay as TopK', async () => {
  const text = await readFile(replayPath, 'utf8');
  const [header, first] = text.split('\n');
  const rec = JSON.parse(first);
  delete rec.logprobs;
  rec.topk = { ids: [4, 5], logprobs: [-0.5, -1.5], restMass: 1 - Math.exp(-0.5) - Math.exp(-1.5) };
  const p = join(work, 'topk.jsonl');
  await writeFile(p, `${header}\n${JSON.stringify(rec)}\n`);
  const replay = await ReplayModel.load(p, { tokenizer });
  const n = await (await replay.start(rec.prompt)).next();
  assert.ok(!(n.logprobs instanceof Float32Array));
  assert.deepEqual([...n.logprobs.ids], [4, 5]);
});
