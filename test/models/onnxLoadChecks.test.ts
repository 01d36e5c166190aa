// Broken model directories are refused by OnnxCausalLM.load, naming what is wrong, instead of
// loading and failing (or answering garbage) on a later request: NaN weights, a tokenizer of
// another model, a config that claims more positions than the graph has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelLoadError } from '../../src/models/errors.js';
import { OnnxCausalLM } from '../../src/models/OnnxCausalLM.js';
import { writeDecoderModelDir } from '../../src/models/onnx/writeDecoderModelDir.js';
import { charTokenizerJson, randomDecoderWeights, TINY_SIZES } from '../../src/testing/tinyDecoder.js';

const CONFIG = { bos_token_id: 1, eos_token_id: 2, pad_token_id: 0, add_bos_token: true };

async function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'leg-broken-'));
  try {
    await f(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const tokenizerJson = charTokenizerJson();
const vocab = Object.keys((tokenizerJson as { model: { vocab: object } }).model.vocab).length;

test('NaN weights are refused at load (the probe run sees them), naming the model file', async () => {
  await withDir(async (dir) => {
    const w = randomDecoderWeights(3, vocab);
    w.lnFGamma.fill(Number.NaN);
    await writeDecoderModelDir(dir, w, tokenizerJson, CONFIG);
    await assert.rejects(OnnxCausalLM.load(dir), (e: unknown) => e instanceof ModelLoadError && /model\.onnx/.test(e.message) && /NaN/.test(e.message));
  });
});

test("a tokenizer much smaller than the model's logits (another model's) is refused naming both sizes; a few padded ids are accepted", async () => {
  await withDir(async (dir) => {
    const w = randomDecoderWeights(3, vocab * 3);
    await writeDecoderModelDir(dir, w, tokenizerJson, CONFIG);
    await assert.rejects(
      OnnxCausalLM.load(dir),
      (e: unknown) => e instanceof ModelLoadError && e.field === 'model.vocab' && e.message.includes(`${vocab} ids`) && e.message.includes(`${vocab * 3}`),
    );
  });
  await withDir(async (dir) => {
    await writeDecoderModelDir(dir, randomDecoderWeights(3, vocab + 2), tokenizerJson, CONFIG);
    const m = await OnnxCausalLM.load(dir);
    assert.equal(m.vocabSize, vocab + 2);
    await m.close();
  });
});

test('a config claiming more positions than the graph supports is refused at load, naming the real limit', async () => {
  await withDir(async (dir) => {
    await writeDecoderModelDir(dir, randomDecoderWeights(3, vocab), tokenizerJson, CONFIG);
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({ ...JSON.parse(await (await import('node:fs/promises')).readFile(join(dir, 'config.json'), 'utf8')), n_positions: 100_000 }),
    );
    await assert.rejects(
      OnnxCausalLM.load(dir),
      (e: unknown) =>
        e instanceof ModelLoadError && e.field === 'n_positions' && e.message.includes('100000') && e.message.includes(`only ${TINY_SIZES.maxPositions}`),
    );
    const m = await OnnxCausalLM.load(dir, { maxContext: TINY_SIZES.maxPositions });
    assert.equal(m.maxContext, TINY_SIZES.maxPositions);
    await m.close();
  });
});
