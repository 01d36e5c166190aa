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
  /**
   * An adapter on the same weights that is fed ids directly (e.g. `OnnxCausalLM` for an HTTP model):
   * when given, the EOS, multi-byte and non-canonical cases must agree with it within `tol`.
   */
  readonly reference?: () => Promise<ModelAdapter>;
  /** A prompt after which end of text is the most likely next token; when given, `next()` must rank EOS first. */
  readonly eosPrompt?: string;
  /** Text of multi-byte characters appended byte token by byte token (default `'東'`); skipped when the tokenizer cannot encode it losslessly. */
  readonly multiByteText?: string;
}

function isTopK(lp: NextToken['logprobs']): lp is TopK {
  return !(lp instanceof Float32Array);
}

/** Asserts two next-token answers agree within `tol` (same ids for top-k). */
function assertSameNext(a: NextToken, b: NextToken, tol: number, what: string): void {
  if (isTopK(a.logprobs) || isTopK(b.logprobs)) {
    assert.ok(isTopK(a.logprobs) && isTopK(b.logprobs), `${what}: one answer is top-k, the other full`);
    assert.deepEqual([...a.logprobs.ids], [...b.logprobs.ids], `${what}: top-k ids differ`);
    a.logprobs.logprobs.forEach((x, i) =>
      assert.ok(
        Math.abs(x - (b.logprobs as TopK).logprobs[i]) <= tol,
        `${what}: top-k logprob ${i} differs by ${Math.abs(x - (b.logprobs as TopK).logprobs[i])} > ${tol}`,
      ),
    );
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

/** The best id of an answer (full or top-k). */
function argmax(next: NextToken): number {
  const lp = next.logprobs;
  if (isTopK(lp)) {
    let best = 0;
    lp.logprobs.forEach((x, i) => {
      if (x > lp.logprobs[best]) best = i;
    });
    return lp.ids[best];
  }
  let best = 0;
  for (let i = 1; i < lp.length; i++) if (lp[i] > lp[best]) best = i;
  return best;
}

/** Asserts `a` agrees with the reference answer `ref` within `tol`: same best id, and each log-prob `a` reports equals `ref`'s. */
function assertMatchesReference(a: NextToken, ref: NextToken, tol: number, what: string): void {
  if (!isTopK(a.logprobs) && !isTopK(ref.logprobs)) return assertSameNext({ logprobs: a.logprobs }, { logprobs: ref.logprobs }, tol, what);
  const full = (n: NextToken): Map<number, number> => {
    const lp = n.logprobs;
    const m = new Map<number, number>();
    if (isTopK(lp)) lp.ids.forEach((id, i) => m.set(id, lp.logprobs[i]));
    else lp.forEach((x, i) => m.set(i, x));
    return m;
  };
  const r = full(ref);
  assert.equal(argmax(a), argmax(ref), `${what}: the best token differs from the reference`);
  for (const [id, x] of full(a)) {
    const y = r.get(id);
    if (y === undefined) continue; // outside the reference's top-k
    assert.ok(Math.abs(x - y) <= tol, `${what}: log-prob of id ${id} is ${x}, the reference's ${y} (|Δ| > ${tol})`);
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

    /** Runs `ids` appended after `prompts[0]` on the adapter (one id at a time, next() between) and on the reference, and compares them. */
    async function appendedMatchReference(ids: readonly number[], what: string): Promise<NextToken> {
      const a = await adapter.start(prompts[0]);
      const b = await adapter.start(prompts[0]);
      const before = a.length;
      for (const id of ids) {
        await a.append([id]);
        assertDistribution(adapter, await a.next());
      }
      await b.append(ids);
      assert.equal(a.length, before + ids.length, `${what}: length must grow by the appended count`);
      const last = await a.next();
      assertSameNext(last, await b.next(), tol, `${what}: one by one vs all at once`);
      if (opts.reference) {
        const refModel = await opts.reference();
        try {
          const r = await refModel.start(prompts[0]);
          await r.append(ids);
          assertMatchesReference(last, await r.next(), tol, `${what} vs the reference`);
        } finally {
          await refModel.close();
        }
      }
      await a.dispose();
      await b.dispose();
      return last;
    }

    it('a sequence that ends in EOS: EOS is fed as an id (not dropped as text), and the answer after it is a distribution', async (t) => {
      const eos = adapter.tokenizer.specialTokens.eos;
      if (eos === undefined) return t.skip('the tokenizer has no EOS token');
      await appendedMatchReference([eos], 'after EOS');
    });

    it('when end of text is the most likely next token, next() ranks EOS first', async (t) => {
      const eos = adapter.tokenizer.specialTokens.eos;
      if (eos === undefined || opts.eosPrompt === undefined) return t.skip('pass eosPrompt: a prompt after which EOS is the most likely token');
      const s = await adapter.start(opts.eosPrompt);
      const next = await s.next();
      assertDistribution(adapter, next);
      assert.equal(argmax(next), eos, `after ${JSON.stringify(opts.eosPrompt)} the best token must be EOS (${eos})`);
      await s.dispose();
    });

    it('multi-byte characters: byte tokens appended one at a time are fed exactly, and end where start(prompt + text) is', async (t) => {
      const text = opts.multiByteText ?? '東';
      const tok = adapter.tokenizer;
      const ids = tok.encode(text);
      const unk = tok.specialTokens.unk;
      if (ids.length < 2 || ids.some((id) => id === unk) || tok.decode(ids) !== text)
        return t.skip(`the tokenizer does not split ${JSON.stringify(text)} into byte tokens losslessly`);
      await appendedMatchReference(ids, `bytes of ${JSON.stringify(text)}`);
      const whole = tok.encode(prompts[0] + text);
      if (whole.join() !== [...tok.encode(prompts[0]), ...ids].join()) return;
      const a = await adapter.start(prompts[0]);
      await a.append(ids);
      const b = await adapter.start(prompts[0] + text);
      assertSameNext(await a.next(), await b.next(), tol, 'multi-byte append vs start');
      await a.dispose();
      await b.dispose();
    });

    it("non-canonical appends (one token per character instead of the tokenizer's merges) are fed as given, not re-tokenized", async (t) => {
      const tok = adapter.tokenizer;
      const ids = [...appendText].flatMap((ch) => tok.encode(ch));
      if (ids.join() === tok.encode(appendText).join()) return t.skip(`${JSON.stringify(appendText)} is already one token per character in this tokenizer`);
      if (tok.decode(ids) !== appendText) return t.skip(`the tokenizer cannot encode each character of ${JSON.stringify(appendText)}`);
      await appendedMatchReference(ids, `characters of ${JSON.stringify(appendText)} one by one`);
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
