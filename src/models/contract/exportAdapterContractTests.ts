import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ModelClosedError, ModelInputError } from '../errors.js';
import type { ModelAdapter, NextToken, TopK } from '../ModelAdapter.js';

/** Options of the adapter contract suite. */
export interface AdapterContractOptions {
  /** Largest allowed |difference| between log-probs that must agree (default 1e-4, right for float32 ONNX). */
  readonly tol?: number;
  /** Prompts to open sessions with; they must be encodable by the adapter's tokenizer (default `['ab', 'a b c']`). */
  readonly prompts?: readonly string[];
  /** Text appended after a prompt in the append/start equivalence test (default `' cab'`). */
  readonly appendText?: string;
  /** Closes what `makeAdapter` built beyond the adapter (servers, temp dirs) after the suite. */
  readonly teardown?: () => Promise<void>;
}

function isTopK(lp: NextToken['logprobs']): lp is TopK {
  return !(lp instanceof Float32Array);
}

/** Asserts two next-token answers agree within `tol` (same ids for top-k). */
function assertSameNext(a: NextToken, b: NextToken, tol: number, what: string): void {
  if (isTopK(a.logprobs) || isTopK(b.logprobs)) {
    assert.ok(isTopK(a.logprobs) && isTopK(b.logprobs), `${what}: one answer is top-k, the other full`);
    assert.deepEqual([...a.logprobs.ids], [...b.logprobs.ids], `${what}: top-k ids differ`);
    a.logprobs.logprobs.forEach((x, i) => assert.ok(Math.abs(x - (b.logprobs as TopK).logprobs[i]) <= tol, `${what}: top-k logprob ${i} differs by ${Math.abs(x - (b.logprobs as TopK).logprobs[i])} > ${tol}`));
    assert.ok(Math.abs(a.logprobs.restMass - b.logprobs.restMass) <= Math.max(tol, 1e-4), `${what}: restMass differs`);
  } else {
    const x = a.logprobs;
    const y = b.logprobs;
    assert.equal(x.length, y.length, `${what}: lengths differ`);
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
    assert.ok(worst <= tol, `${what}: max |Δ logprob| = ${worst} > ${tol}`);
  }
  if (a.hidden || b.hidden) {
    assert.ok(a.hidden && b.hidden && a.hidden.length === b.hidden.length, `${what}: hidden present in one answer only`);
    a.hidden.forEach((h, i) => assert.ok(Math.abs(h - b.hidden![i]) <= tol * 10, `${what}: hidden[${i}] differs`));
  }
}

/** Asserts `next` is a valid distribution for `adapter`: full (sums to 1) or top-k (≤ 1, restMass consistent). */
function assertDistribution(adapter: ModelAdapter, next: NextToken): void {
  const lp = next.logprobs;
  if (isTopK(lp)) {
    assert.equal(lp.ids.length, lp.logprobs.length, 'top-k ids and logprobs differ in length');
    assert.equal(new Set(lp.ids).size, lp.ids.length, 'top-k ids repeat');
    let mass = 0;
    lp.ids.forEach((id, i) => {
      assert.ok(Number.isInteger(id) && id >= 0 && id < adapter.vocabSize, `top-k id ${id} outside [0, ${adapter.vocabSize})`);
      assert.ok(Number.isFinite(lp.logprobs[i]) && lp.logprobs[i] <= 1e-6, `top-k logprob ${lp.logprobs[i]} is not a finite log-probability`);
      mass += Math.exp(lp.logprobs[i]);
    });
    assert.ok(mass <= 1 + 1e-4, `top-k probabilities sum to ${mass} > 1`);
    assert.ok(lp.restMass >= 0 && lp.restMass <= 1, `restMass ${lp.restMass} outside [0, 1]`);
    assert.ok(Math.abs(mass + lp.restMass - 1) <= 1e-3, `top-k mass ${mass} + restMass ${lp.restMass} != 1`);
  } else {
    assert.ok(lp instanceof Float32Array, 'full log-probs must be a Float32Array');
    assert.equal(lp.length, adapter.vocabSize, `full log-probs have ${lp.length} entries, vocabSize is ${adapter.vocabSize}`);
    let mass = 0;
    for (const x of lp) {
      assert.ok(!Number.isNaN(x) && x <= 1e-6, `log-prob ${x} is not a log-probability`);
      mass += Math.exp(x);
    }
    assert.ok(Math.abs(mass - 1) <= 1e-3, `probabilities sum to ${mass}`);
  }
  if (adapter.hiddenSize > 0) {
    assert.ok(next.hidden instanceof Float32Array, 'hiddenSize > 0 but next() returned no hidden state');
    assert.equal(next.hidden.length, adapter.hiddenSize, 'hidden has the wrong width');
    assert.ok(next.hidden.every(Number.isFinite), 'hidden has non-finite values');
  } else {
    assert.equal(next.hidden, undefined, 'hiddenSize is 0 but next() returned a hidden state');
  }
}

/**
 * Registers the `ModelAdapter` contract as node:test tests under `describe(name)`. Every adapter in
 * this package runs it; run it on yours too. `makeAdapter` is called once for the suite and once more
 * for the close test.
 */
export function exportAdapterContractTests(name: string, makeAdapter: () => Promise<ModelAdapter>, opts: AdapterContractOptions = {}): void {
  const tol = opts.tol ?? 1e-4;
  const prompts = opts.prompts ?? ['ab', 'a b c'];
  const appendText = opts.appendText ?? ' cab';

  describe(`ModelAdapter contract: ${name}`, () => {
    let adapter: ModelAdapter;
    before(async () => {
      adapter = await makeAdapter();
    });
    after(async () => {
      await adapter?.close();
      await opts.teardown?.();
    });

    it('describes itself: id, vocabSize, hiddenSize, maxContext', () => {
      assert.ok(typeof adapter.id === 'string' && adapter.id.length > 0, 'id must be a non-empty string');
      assert.ok(Number.isInteger(adapter.vocabSize) && adapter.vocabSize >= adapter.tokenizer.vocabSize, 'vocabSize must be an integer >= tokenizer.vocabSize');
      assert.ok(Number.isInteger(adapter.hiddenSize) && adapter.hiddenSize >= 0, 'hiddenSize must be a non-negative integer');
      assert.ok(adapter.maxContext >= 1, 'maxContext must be >= 1');
    });

    it('next() is a probability distribution, with hidden state iff hiddenSize > 0', async () => {
      for (const p of prompts) {
        const s = await adapter.start(p);
        assertDistribution(adapter, await s.next());
        await s.dispose();
      }
    });

    it('is deterministic: same prompt, same answer; next() twice, same answer', async () => {
      for (const p of prompts) {
        const a = await adapter.start(p);
        const b = await adapter.start(p);
        const first = await a.next();
        assertSameNext(first, await b.next(), tol, `two sessions on ${JSON.stringify(p)}`);
        assertSameNext(first, await a.next(), tol, `next() twice on ${JSON.stringify(p)}`);
        await a.dispose();
        await b.dispose();
      }
    });

    it('append(ids) then next() equals start(prompt + text) then next()', async (t) => {
      const prompt = prompts[0];
      const ids = adapter.tokenizer.encode(appendText);
      const whole = adapter.tokenizer.encode(prompt + appendText);
      const parts = [...adapter.tokenizer.encode(prompt), ...ids];
      if (whole.join() !== parts.join()) {
        t.skip(`the tokenizer merges across the boundary of ${JSON.stringify(prompt)} + ${JSON.stringify(appendText)}; pass another appendText`);
        return;
      }
      const a = await adapter.start(prompt);
      await a.next();
      const before = a.length;
      await a.append(ids);
      assert.equal(a.length, before + ids.length, 'length must grow by the appended count');
      const b = await adapter.start(prompt + appendText);
      assert.equal(a.length, b.length);
      assertSameNext(await a.next(), await b.next(), tol, 'append vs start');
      await a.dispose();
      await b.dispose();
    });

    it('appending token by token equals appending all at once', async () => {
      const ids = adapter.tokenizer.encode(appendText);
      const a = await adapter.start(prompts[0]);
      const b = await adapter.start(prompts[0]);
      for (const id of ids) {
        await a.append([id]);
        await a.next();
      }
      await b.append(ids);
      assertSameNext(await a.next(), await b.next(), tol, 'one by one vs all at once');
      await a.dispose();
      await b.dispose();
    });

    it('bad token ids throw ModelInputError', async () => {
      const s = await adapter.start(prompts[0]);
      for (const bad of [-1, adapter.vocabSize, 1.5, Number.NaN]) {
        await assert.rejects(s.append([bad]), ModelInputError, `append([${bad}]) must throw ModelInputError`);
      }
      // the session is still usable after a rejected append
      assertDistribution(adapter, await s.next());
      await s.dispose();
    });

    it('dispose() frees the session: later calls throw ModelClosedError, a second dispose is harmless', async () => {
      const s = await adapter.start(prompts[0]);
      await s.next();
      await s.dispose();
      await s.dispose();
      await assert.rejects(s.next(), ModelClosedError);
      await assert.rejects(s.append(adapter.tokenizer.encode(appendText).slice(0, 1)), ModelClosedError);
    });

    it('close() makes start() throw ModelClosedError', async () => {
      const other = await makeAdapter();
      await other.close();
      await other.close();
      await assert.rejects(other.start(prompts[0]), ModelClosedError);
    });
  });
}
