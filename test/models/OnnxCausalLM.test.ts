import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportAdapterContractTests } from '../../src/models/contract/exportAdapterContractTests.js';
import { ModelClosedError, ModelInputError, ModelLoadError } from '../../src/models/errors.js';
import { OnnxCausalLM } from '../../src/models/OnnxCausalLM.js';
import { DataType, GraphBuilder, floatTensor } from '../../src/models/onnx/onnxGraph.js';
import { logSoftmax } from '../../src/models/logSoftmax.js';
import { makeTinyDecoderDir, referenceForward, type TinyDecoderDir } from '../../src/testing/tinyDecoder.js';

let tiny: TinyDecoderDir;
let model: OnnxCausalLM;
before(async () => {
  tiny = await makeTinyDecoderDir({ seed: 3 });
  model = await OnnxCausalLM.load(tiny.dir);
});
after(async () => {
  await model.close();
  await tiny.cleanup();
});

exportAdapterContractTests('OnnxCausalLM (tiny decoder)', () => OnnxCausalLM.load(tiny.dir), { tol: 1e-4 });

test('metadata comes from the graph and config.json', () => {
  assert.equal(model.vocabSize, model.tokenizer.vocabSize);
  assert.equal(model.hiddenSize, tiny.weights.dModel);
  assert.equal(model.maxContext, tiny.weights.maxPositions);
  assert.equal(model.bosId, 1);
  assert.equal(model.id, tiny.dir.split('/').pop());
});

test('next() matches the plain-loop reference forward pass (BOS + prompt) within 1e-4', async () => {
  const s = await model.start('hello world');
  await s.append(model.tokenizer.encode('!'));
  const out = await s.next();
  const ids = [1, ...model.tokenizer.encode('hello world!')];
  const ref = referenceForward(tiny.weights, ids);
  const expected = logSoftmax(ref.logits[ids.length - 1]);
  const lp = out.logprobs as Float32Array;
  expected.forEach((e, i) => assert.ok(Math.abs(lp[i] - e) < 1e-4, `logprob ${i}`));
  ref.hidden[ids.length - 1].forEach((h, i) => assert.ok(Math.abs(out.hidden![i] - h) < 1e-4));
  await s.dispose();
});

test('the KV cache is reused: each token is run through the graph once', async () => {
  const m = await OnnxCausalLM.load(tiny.dir);
  const s = await m.start('abc'); // BOS + 3
  await s.next();
  assert.deepEqual(m.stats, { runs: 1, tokensProcessed: 4, rows: 1 });
  await s.next(); // nothing new: no run
  assert.deepEqual(m.stats, { runs: 1, tokensProcessed: 4, rows: 1 });
  await s.append([5]);
  await s.append([6, 7]);
  await s.next();
  assert.deepEqual(m.stats, { runs: 2, tokensProcessed: 7, rows: 2 });
  assert.equal(s.length, 7);
  await m.close();
});

test('useCache: false re-runs the prefix and gives the same answer', async () => {
  const m = await OnnxCausalLM.load(tiny.dir, { useCache: false });
  const a = await m.start('abc');
  const b = await model.start('abc');
  await a.next();
  await a.append([5, 6]);
  await b.append([5, 6]);
  const x = (await a.next()).logprobs as Float32Array;
  const y = (await b.next()).logprobs as Float32Array;
  x.forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-4));
  assert.equal(m.stats.tokensProcessed, 4 + 6);
  await m.close();
});

test('prefillChunk feeds a long prompt in chunks through the cache and gives the same answer', async () => {
  const m = await OnnxCausalLM.load(tiny.dir, { prefillChunk: 5 });
  const a = await m.start('hello there world');
  const b = await model.start('hello there world');
  const x = (await a.next()).logprobs as Float32Array;
  const y = (await b.next()).logprobs as Float32Array;
  x.forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-4));
  assert.deepEqual(m.stats, { runs: 4, tokensProcessed: 18, rows: 4 });
  await m.close();
  await assert.rejects(OnnxCausalLM.load(tiny.dir, { prefillChunk: 0 }), /prefillChunk/);
});

test('sequences longer than the context and bad ids throw ModelInputError', async () => {
  await assert.rejects(
    model.start('a'.repeat(tiny.weights.maxPositions)),
    (e: unknown) => e instanceof ModelInputError && /exceed the context of 64/.test(e.message),
  );
  const s = await model.start('a'.repeat(tiny.weights.maxPositions - 2));
  await assert.rejects(s.append([4, 4]), ModelInputError);
  await s.append([4]);
  await s.next();
  await s.dispose();
  await assert.rejects(s.next(), ModelClosedError);
});

/** Copies the tiny model dir into a fresh one, then lets `edit` break it. */
async function brokenCopy(edit: (dir: string) => Promise<void>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'leg-broken-'));
  await mkdir(join(dir, 'onnx'));
  for (const f of ['config.json', 'tokenizer.json', 'onnx/model.onnx']) await writeFile(join(dir, f), await readFile(join(tiny.dir, f)));
  await edit(dir);
  return dir;
}

test('load errors are ModelLoadError naming the file/field and the fix', async () => {
  const cases: Array<[string, (dir: string) => Promise<void>, RegExp]> = [
    ['missing config', (d) => rm(join(d, 'config.json')), /config\.json: file not found/],
    ['malformed config', (d) => writeFile(join(d, 'config.json'), '{'), /config\.json: is not valid JSON/],
    ['missing tokenizer', (d) => rm(join(d, 'tokenizer.json')), /tokenizer\.json: file not found/],
    ['missing onnx', (d) => rm(join(d, 'onnx', 'model.onnx')), /model\.onnx: ONNX model file not found.*Optimum/],
    ['corrupt onnx', (d) => writeFile(join(d, 'onnx', 'model.onnx'), 'garbage'), /onnxruntime could not load/],
    [
      'bad config field',
      async (d) =>
        writeFile(join(d, 'config.json'), JSON.stringify({ ...JSON.parse(await readFile(join(tiny.dir, 'config.json'), 'utf8')), n_positions: 'many' })),
      /\(n_positions\)/,
    ],
    [
      'vocab_size mismatch',
      async (d) => writeFile(join(d, 'config.json'), JSON.stringify({ ...JSON.parse(await readFile(join(tiny.dir, 'config.json'), 'utf8')), vocab_size: 5 })),
      /\(vocab_size\).*logits have width/,
    ],
    [
      'tokenizer larger than logits',
      async (d) => {
        const tj = JSON.parse(await readFile(join(tiny.dir, 'tokenizer.json'), 'utf8'));
        tj.model.vocab['zz'] = 200;
        await writeFile(join(d, 'tokenizer.json'), JSON.stringify(tj));
      },
      /tokenizer\.json \(model\.vocab\): the tokenizer has 201 ids/,
    ],
    [
      'graph without logits',
      async (d) => {
        const g = new GraphBuilder('no_logits');
        const x = g.input('input_ids', DataType.INT64, ['b', 's']);
        g.output(g.op('Cast', [x], { to: { type: 2, i: DataType.FLOAT } }), 'scores', DataType.FLOAT, ['b', 's']);
        await writeFile(join(d, 'onnx', 'model.onnx'), g.build());
      },
      /\(outputs\): the graph has no "logits" output/,
    ],
    [
      'graph with unknown inputs',
      async (d) => {
        const g = new GraphBuilder('extra');
        g.input('input_ids', DataType.INT64, ['b', 's']);
        const px = g.input('pixel_values', DataType.FLOAT, ['b', 3]);
        g.output(g.op('MatMul', [px, g.initializer('w', floatTensor([3, 2], new Float32Array(6)))]), 'logits', DataType.FLOAT, ['b', 2]);
        await writeFile(join(d, 'onnx', 'model.onnx'), g.build());
      },
      /cannot feed: pixel_values/,
    ],
  ];
  for (const [what, edit, re] of cases) {
    const dir = await brokenCopy(edit);
    try {
      await assert.rejects(OnnxCausalLM.load(dir), (e: unknown) => e instanceof ModelLoadError && re.test(e.message), what);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  await assert.rejects(OnnxCausalLM.load('/nonexistent/model'), (e: unknown) => e instanceof ModelLoadError && /directory not found/.test(e.message));
});

test('an Optimum-style graph (no position_ids or last_hidden_state; use_cache_branch, cache_position) loads, with hiddenSize 0', async () => {
  // A bigram "model" with the Optimum signature minus position_ids: logits = onehot(input_ids)·W, and a
  // 1-layer cache that just concatenates (to exercise the past plumbing).
  const dir = await brokenCopy(async (d) => {
    const cfg = JSON.parse(await readFile(join(tiny.dir, 'config.json'), 'utf8'));
    const V = cfg.vocab_size;
    const g = new GraphBuilder('optimum_like');
    const ids = g.input('input_ids', DataType.INT64, ['batch_size', 'sequence_length']);
    g.input('attention_mask', DataType.INT64, ['batch_size', 'total']);
    // optional inputs of merged / newer exports: declared, fed, unused by this toy graph
    g.input('use_cache_branch', DataType.BOOL, [1]);
    g.input('cache_position', DataType.INT64, ['sequence_length']);
    const pk = g.input('past_key_values.0.key', DataType.FLOAT, ['batch_size', 1, 'past', 2]);
    const pv = g.input('past_key_values.0.value', DataType.FLOAT, ['batch_size', 1, 'past', 2]);
    const emb = g.initializer(
      'emb',
      floatTensor(
        [V, V],
        Float32Array.from({ length: V * V }, (_, i) => Math.sin(i)),
      ),
    );
    g.output(g.op('Gather', [emb, ids], { axis: { type: 2, i: 0 } }), 'logits', DataType.FLOAT, ['batch_size', 'sequence_length', V]);
    const kv = g.op('Unsqueeze', [
      g.op('Gather', [g.initializer('kvemb', floatTensor([V, 2], new Float32Array(V * 2).fill(0.5))), ids], { axis: { type: 2, i: 0 } }),
      g.constInt64('ax', [1], [1]),
    ]);
    g.output(g.op('Concat', [pk, kv], { axis: { type: 2, i: 2 } }), 'present.0.key', DataType.FLOAT, ['batch_size', 1, 'total', 2]);
    g.output(g.op('Concat', [pv, kv], { axis: { type: 2, i: 2 } }), 'present.0.value', DataType.FLOAT, ['batch_size', 1, 'total', 2]);
    await writeFile(join(d, 'onnx', 'model.onnx'), g.build());
  });
  try {
    const m = await OnnxCausalLM.load(dir);
    assert.equal(m.hiddenSize, 0);
    const s = await m.start('ab');
    const first = await s.next();
    assert.equal(first.hidden, undefined);
    await s.append([5]);
    const lp = (await s.next()).logprobs as Float32Array;
    const V = m.vocabSize;
    const expected = logSoftmax(Float32Array.from({ length: V }, (_, j) => Math.fround(Math.sin(5 * V + j))));
    expected.forEach((e, i) => assert.ok(Math.abs(lp[i] - e) < 1e-5));
    await m.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
