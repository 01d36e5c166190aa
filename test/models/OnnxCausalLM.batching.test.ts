// Sessions calling next() in the same event-loop turn share one graph run (batch dimension, left-padded
// KV caches, masks), and give what each gives on its own.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NextToken } from '../../src/models/ModelAdapter.js';
import { OnnxCausalLM } from '../../src/models/OnnxCausalLM.js';
import { makeTinyDecoderDir, type TinyDecoderDir } from '../helpers/tinyDecoder.js';

const BATCH_TOL = 1e-5;

function maxDiff(a: NextToken, b: NextToken): number {
  const x = a.logprobs as Float32Array;
  const y = b.logprobs as Float32Array;
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
  if (a.hidden && b.hidden) for (let i = 0; i < a.hidden.length; i++) worst = Math.max(worst, Math.abs(a.hidden[i] - b.hidden[i]));
  return worst;
}

/**
 * Decodes `prompts` together on `batched` and one by one on `alone` for a few steps in which sessions
 * append different numbers of tokens (0, 1 or 3), so rows differ in cached and new lengths; returns the worst difference.
 */
async function compare(batched: OnnxCausalLM, alone: OnnxCausalLM, prompts: readonly string[], appendText: string): Promise<number> {
  const a = await Promise.all(prompts.map((p) => batched.start(p)));
  const b: Awaited<ReturnType<OnnxCausalLM['start']>>[] = [];
  for (const p of prompts) b.push(await alone.start(p));
  const ids = batched.tokenizer.encode(appendText);
  let worst = 0;
  for (let step = 0; step < 4; step++) {
    const together = await Promise.all(a.map((s) => s.next()));
    for (let i = 0; i < b.length; i++) worst = Math.max(worst, maxDiff(together[i], await b[i].next()));
    for (let i = 0; i < prompts.length; i++) {
      const k = (i + step) % 3 === 0 ? 0 : (i + step) % 3 === 1 ? 1 : 3;
      const add = Array.from({ length: k }, (_, j) => ids[(i + j + step) % ids.length]);
      await a[i].append(add);
      await b[i].append(add);
    }
  }
  await Promise.all([...a, ...b].map((s) => s.dispose()));
  return worst;
}

describe('OnnxCausalLM batches concurrent sessions', () => {
  let tiny: TinyDecoderDir;
  before(async () => {
    tiny = await makeTinyDecoderDir({ seed: 9 });
  });
  after(() => tiny.cleanup());

  it(`8 sessions of different lengths run in one graph call per step and match unbatched runs within ${BATCH_TOL}`, async (t) => {
    const batched = await OnnxCausalLM.load(tiny.dir);
    const alone = await OnnxCausalLM.load(tiny.dir, { maxBatch: 1 });
    const prompts = ['a', 'hello world', 'xy z', 'the quick brown fox', 'q', '12+3=', 'abc abc abc', 'end.'];
    const worst = await compare(batched, alone, prompts, ' cab?');
    t.diagnostic(`max |Δ| batched vs alone (log-probs and hidden) = ${worst.toExponential(2)}`);
    assert.ok(worst <= BATCH_TOL, `max |Δ| = ${worst}`);
    assert.equal(alone.stats.rows, alone.stats.runs, 'maxBatch 1 runs every row alone');
    assert.equal(batched.stats.tokensProcessed, alone.stats.tokensProcessed, 'padding is not counted as work');
    assert.ok(batched.stats.runs <= 2 * 4, `4 steps of 8 sessions take at most 2 runs each (short and long runs apart), took ${batched.stats.runs}`);
    assert.ok(batched.stats.rows / batched.stats.runs >= 3, `mean batch ${batched.stats.rows / batched.stats.runs}`);
    await batched.close();
    await alone.close();
  });

  it('maxBatch caps the rows of one run; bad values throw ConfigError', async () => {
    const m = await OnnxCausalLM.load(tiny.dir, { maxBatch: 3 });
    const sessions = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((p) => m.start(p)));
    await Promise.all(sessions.map((s) => s.next()));
    assert.deepEqual(m.stats, { runs: 3, tokensProcessed: 14, rows: 7 });
    await m.close();
    await assert.rejects(OnnxCausalLM.load(tiny.dir, { maxBatch: 0 }), /maxBatch/);
  });

  it('a session disposed while its batch runs rejects with ModelClosedError and does not disturb the others', async () => {
    const m = await OnnxCausalLM.load(tiny.dir);
    const [x, y] = await Promise.all([m.start('abc'), m.start('de')]);
    const px = x.next();
    const py = y.next();
    await x.dispose();
    await assert.rejects(px, /disposed/);
    assert.equal(((await py).logprobs as Float32Array).length, m.vocabSize);
    await y.dispose();
    await m.close();
  });
});

describe('bundled models batch as well', () => {
  const modelsDir = new URL('../../models/', import.meta.url).pathname;
  for (const name of ['tiny-sum-bytebpe', 'tiny-gen-spbpe', 'tiny-rev-char']) {
    it(`${name}: 8 concurrent sessions match unbatched within ${BATCH_TOL}`, async () => {
      const batched = await OnnxCausalLM.load(join(modelsDir, name));
      const alone = await OnnxCausalLM.load(join(modelsDir, name), { maxBatch: 1 });
      const prompts = ['12', '3 4', 'ab', 'a', '7+8', 'cab', 'b a', '99'].map((p) => batched.tokenizer.decode(batched.tokenizer.encode(p)));
      const worst = await compare(batched, alone, prompts, batched.tokenizer.decode(batched.tokenizer.encode('1a2b')) || 'ab');
      assert.ok(worst <= BATCH_TOL, `max |Δ| = ${worst}`);
      await batched.close();
      await alone.close();
    });
  }
});
