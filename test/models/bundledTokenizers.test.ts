import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sumReverseTask } from '../../src/ensemble/tasks/sumReverseTask.js';
import { HfTokenizer } from '../../src/models/HfTokenizer.js';
import { byteBpeTokenizerJson, charTokenizerJson, metaspaceBpeTokenizerJson } from '../../models/build/buildTokenizerJson.js';
import { trainBpe } from '../../models/build/trainBpe.js';
import { encodeExample } from '../../models/build/trainBundledModel.js';

const texts = sumReverseTask.items('train', 400, 5).map((i) => i.prompt + i.answer);
const kinds = {
  char: charTokenizerJson(texts),
  'byte-bpe': byteBpeTokenizerJson(texts, 60),
  'metaspace-bpe': metaspaceBpeTokenizerJson(texts, 60),
};

test('trainBpe merges the most frequent pair first and is deterministic', () => {
  const counts = new Map([
    ['abab', 3],
    ['ab', 2],
    ['ba', 1],
  ]);
  const a = trainBpe(counts, ['a', 'b'], 2);
  assert.deepEqual(a.merges[0], ['a', 'b']);
  assert.deepEqual(a.merges[1], ['ab', 'ab']);
  assert.deepEqual(trainBpe(counts, ['a', 'b'], 2), a);
});

for (const [kind, json] of Object.entries(kinds)) {
  test(`${kind}: loads with @huggingface/tokenizers, round-trips task text, and the prompt's tokens prefix the answered text's`, () => {
    const tok = HfTokenizer.fromJson(JSON.parse(JSON.stringify(json)), { specialTokenIds: { bos: 0, eos: 0 } });
    assert.equal(tok.idToToken(0), '<|endoftext|>');
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom('train', 'validation', 'test') as fc.Arbitrary<'train' | 'validation' | 'test'>, (seed, split) => {
        const [item] = sumReverseTask.items(split, 1, seed);
        const ids = tok.encode(item.prompt + item.answer);
        assert.equal(tok.decode(ids), item.prompt + item.answer);
        const ex = encodeExample(tok, item.prompt, item.answer);
        assert.equal(tok.decode(ex.ids.slice(1, ex.answerStart)), item.prompt);
        // The answer's tokens spell exactly the answer: what character-level mixing relies on.
        const bytes = ex.ids.slice(ex.answerStart, -1).flatMap((id) => [...tok.tokenBytes(id)]);
        assert.equal(new TextDecoder().decode(Uint8Array.from(bytes)), item.answer);
      }),
      { numRuns: 200 },
    );
  });
}

test('byte-level BPE covers every byte; the BPE tokenizers learned merges from the text', () => {
  const byte = HfTokenizer.fromJson(kinds['byte-bpe']);
  assert.equal(byte.decode(byte.encode('héllo ~ wörld')), 'héllo ~ wörld');
  assert.ok(byte.vocabSize > 257);
  const meta = HfTokenizer.fromJson(kinds['metaspace-bpe']);
  assert.ok(meta.encode('37+8 dcab =').length < '37+8 dcab ='.length);
});
