// LlamaCppModel on a GGUF written by the test helpers: the adapter contract, agreement with OnnxCausalLM
// on the same weights, batched sessions, and typed errors for bad files. Skips without node-llama-cpp.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { exportAdapterContractTests } from '../../src/models/contract/exportAdapterContractTests.js';
import { ModelLoadError } from '../../src/models/errors.js';
import { NODE_LLAMA_CPP_INSTALL, nodeLlamaCppAvailable } from '../../src/models/gguf/nodeLlamaCpp.js';
import { LlamaCppModel } from '../../src/models/LlamaCppModel.js';
import { OnnxCausalLM } from '../../src/models/OnnxCausalLM.js';
import { makeByteBpeGgufPair, makeTinyGgufPair, type TinyGgufPair } from '../helpers/tinyGguf.js';

/**
 * Largest |Δ log-prob| allowed between llama.cpp and onnxruntime on the same float32 weights. llama.cpp's
 * CPU GELU is the tanh approximation read from an fp16 table; measured max 4.6e-3 over these prompts.
 */
const ENGINE_TOL = 1e-2;

if (!(await nodeLlamaCppAvailable())) {
  test('LlamaCppModel', { skip: `node-llama-cpp is not installed (optional; ${NODE_LLAMA_CPP_INSTALL} to run these tests)` }, () => undefined);
} else {
  const pair = await makeTinyGgufPair({ seed: 11 });
  exportAdapterContractTests('LlamaCppModel (GGUF written by decoderToGguf)', () => LlamaCppModel.load(pair.ggufPath, { sequencesPerContext: 4 }), {
    tol: 1e-5,
    teardown: () => pair.cleanup(),
  });
  // A byte-level BPE vocabulary with merges (the bundled tiny-sum-bytebpe's): multi-byte characters
  // as byte tokens and non-canonical appends go through llama.cpp's own tokenizer and batches.
  const bpe = await makeByteBpeGgufPair(new URL('../../models/tiny-sum-bytebpe/tokenizer.json', import.meta.url).pathname, { seed: 12 });
  exportAdapterContractTests('LlamaCppModel (GGUF with a byte-level BPE tokenizer)', () => LlamaCppModel.load(bpe.ggufPath, { sequencesPerContext: 4 }), {
    // llama.cpp's kernels differ slightly between a one-token and a many-token batch (2.5e-5 measured here)
    tol: 1e-4,
    prompts: ['12 + 7 =', 'abc dcab'],
    appendText: ' bacd',
    teardown: () => bpe.cleanup(),
  });
  runEngineTests();
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function runEngineTests(): void {
  describe('LlamaCppModel vs OnnxCausalLM on the same weights', () => {
    let pair: TinyGgufPair;
    let gguf: LlamaCppModel;
    let onnx: OnnxCausalLM;
    before(async () => {
      pair = await makeTinyGgufPair({ seed: 5 });
      gguf = await LlamaCppModel.load(pair.ggufPath, { sequencesPerContext: 3 });
      onnx = await OnnxCausalLM.load(pair.onnxDir);
    });
    after(async () => {
      await gguf.close();
      await onnx.close();
      await pair.cleanup();
    });

    it('reads the GGUF tokenizer: same ids, text and token bytes as the tokenizer.json', () => {
      assert.equal(gguf.vocabSize, onnx.vocabSize);
      assert.equal(gguf.bosId, onnx.bosId);
      for (const text of ['ab', 'a b c', 'hello world 42.']) {
        assert.deepEqual(gguf.tokenizer.encode(text), onnx.tokenizer.encode(text));
        assert.equal(gguf.tokenizer.decode(gguf.tokenizer.encode(text)), text);
      }
      for (let id = 0; id < gguf.vocabSize; id++) assert.deepEqual([...gguf.tokenizer.tokenBytes(id)], [...onnx.tokenizer.tokenBytes(id)], `token ${id}`);
      assert.equal(gguf.tokenizer.specialTokens.eos, onnx.tokenizer.specialTokens.eos);
    });

    it(`next-token log-probs agree within ${ENGINE_TOL}, after prompts and after appends`, async (t) => {
      let worst = 0;
      for (const prompt of ['ab', 'a b c', 'hello world 42.', 'z']) {
        const g = await gguf.start(prompt);
        const o = await onnx.start(prompt);
        for (const more of ['', ' cab', 'x', '?!']) {
          const ids = gguf.tokenizer.encode(more);
          await g.append(ids);
          await o.append(ids);
          worst = Math.max(worst, maxAbsDiff((await g.next()).logprobs as Float32Array, (await o.next()).logprobs as Float32Array));
        }
        await g.dispose();
        await o.dispose();
      }
      t.diagnostic(`max |Δ logprob| llama.cpp vs onnxruntime = ${worst.toExponential(2)}`);
      assert.ok(worst <= ENGINE_TOL, `max |Δ logprob| = ${worst}`);
      assert.ok(worst > 0, 'two engines never agree to the last bit; equal answers mean one engine was not run');
    });

    it('sessions calling next() together (one llama.cpp batch, several contexts) match sessions run one at a time within 1e-5', async () => {
      const prompts = ['ab', 'a b c', 'hello', 'z', 'the cat sat', 'q', 'w e', 'end.'];
      const alone: Float32Array[] = [];
      for (const p of prompts) {
        const s = await gguf.start(p);
        await s.append(gguf.tokenizer.encode(' ab'));
        alone.push((await s.next()).logprobs as Float32Array);
        await s.dispose();
      }
      const sessions = await Promise.all(prompts.map((p) => gguf.start(p)));
      assert.ok(gguf.contextCount >= Math.ceil(prompts.length / 3), 'more sessions than sequences per context open more contexts');
      await Promise.all(sessions.map((s) => s.append(gguf.tokenizer.encode(' ab'))));
      const together = await Promise.all(sessions.map(async (s) => (await s.next()).logprobs as Float32Array));
      together.forEach((lp, i) => assert.ok(maxAbsDiff(lp, alone[i]) <= 1e-5, `session ${i}: ${maxAbsDiff(lp, alone[i])}`));
      await Promise.all(sessions.map((s) => s.dispose()));
    });
  });

  describe('LlamaCppModel load errors', () => {
    let dir: TinyGgufPair;
    before(async () => {
      dir = await makeTinyGgufPair();
    });
    after(() => dir.cleanup());

    it('a missing file throws ModelLoadError naming it', async () => {
      const missing = join(dir.onnxDir, 'nope.gguf');
      await assert.rejects(LlamaCppModel.load(missing), (e: unknown) => e instanceof ModelLoadError && e.file === missing);
    });

    it('a file that is not GGUF, and a truncated GGUF, throw ModelLoadError', async () => {
      const garbage = join(dir.onnxDir, 'garbage.gguf');
      await writeFile(garbage, 'this is not a gguf file at all, just text');
      await assert.rejects(LlamaCppModel.load(garbage), ModelLoadError);
      const { readFile } = await import('node:fs/promises');
      const whole = await readFile(dir.ggufPath);
      const truncated = join(dir.onnxDir, 'truncated.gguf');
      await writeFile(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
      await assert.rejects(LlamaCppModel.load(truncated), ModelLoadError);
    });
  });
}
