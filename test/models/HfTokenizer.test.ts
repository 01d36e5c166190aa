import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { HfTokenizer } from '../../src/models/HfTokenizer.js';
import { ModelInputError, ModelLoadError } from '../../src/models/errors.js';

const fixture = (name: string): string => new URL(`../fixtures/tokenizers/${name}.json`, import.meta.url).pathname;
const utf8 = (b: Uint8Array): string => new TextDecoder().decode(b);
const concatBytes = (tok: HfTokenizer, ids: number[]): string => utf8(Uint8Array.from(ids.flatMap((id) => [...tok.tokenBytes(id)])));

test('byte-level BPE: merges apply, Ġ maps to a space, multi-byte chars split into byte tokens', async () => {
  const tok = await HfTokenizer.fromFile(fixture('byte-level-bpe'));
  const ids = tok.encode(' the cat sat');
  assert.deepEqual(
    ids.map((i) => tok.idToToken(i)),
    ['Ġthe', 'Ġcat', 'Ġ', 's', 'at'],
  );
  assert.equal(tok.decode(ids), ' the cat sat');
  assert.deepEqual([...tok.tokenBytes(tok.tokenToId('Ġthe')!)], [...new TextEncoder().encode(' the')]);
  // é is two bytes, each its own token; together they decode back to é
  const e = tok.encode('é');
  assert.equal(e.length, 2);
  assert.deepEqual(
    e.map((i) => tok.tokenBytes(i)[0]),
    [0xc3, 0xa9],
  );
  assert.equal(tok.specialTokens.eos, tok.tokenToId('<|endoftext|>'));
  assert.equal(tok.tokenBytes(tok.specialTokens.eos!).length, 0);
  assert.equal(tok.vocabSize, 265);
});

test('metaspace BPE with byte fallback: ▁ is a space, <0xNN> is that byte, BOS/EOS/UNK found', async () => {
  const tok = await HfTokenizer.fromFile(fixture('metaspace-bpe'));
  const ids = tok.encode('the cat');
  assert.deepEqual(
    ids.map((i) => tok.idToToken(i)),
    ['▁the', '▁cat'],
  );
  assert.equal(tok.decode(ids), 'the cat');
  assert.equal(utf8(tok.tokenBytes(ids[0])), ' the');
  const euro = tok.encode('€');
  assert.deepEqual(
    euro.map((i) => tok.idToToken(i)),
    ['▁', '<0xE2>', '<0x82>', '<0xAC>'],
  );
  assert.equal(concatBytes(tok, euro), ' €');
  assert.deepEqual(tok.specialTokens, { bos: 1, eos: 2, unk: 0 });
  assert.equal(tok.tokenBytes(1).length, 0);
});

test('char-level: one id per char, specials from added_tokens', async () => {
  const tok = await HfTokenizer.fromFile(fixture('char-level'));
  assert.deepEqual(tok.specialTokens, { bos: 1, eos: 2, pad: 0, unk: 3 });
  const ids = tok.encode('ab c!é');
  assert.equal(ids.length, 6);
  assert.equal(tok.decode([1, ...ids, 2]), 'ab c!é');
  assert.equal(concatBytes(tok, ids), 'ab c!é');
});

for (const [name, alphabet] of [
  ['byte-level-bpe', 'thecasnmo é€😀.'],
  ['char-level', 'abc .!é'],
] as const) {
  test(`${name}: decode(encode(s)) == s and token bytes concatenate to s (property)`, async () => {
    const tok = await HfTokenizer.fromFile(fixture(name));
    const chars = [...alphabet];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...chars), { maxLength: 30 }), (cs) => {
        const s = cs.join('');
        const ids = tok.encode(s);
        assert.equal(tok.decode(ids), s);
        assert.equal(concatBytes(tok, ids), s);
      }),
      { numRuns: 200 },
    );
  });
}

test('metaspace: token bytes concatenate to s with the prepended ▁ as a leading space, property', async () => {
  const tok = await HfTokenizer.fromFile(fixture('metaspace-bpe'));
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...'thecasé€ '), { minLength: 1, maxLength: 30 }), (cs) => {
      const s = cs.join('');
      assert.equal(concatBytes(tok, tok.encode(s)), s.startsWith(' ') ? s : ` ${s}`);
    }),
    { numRuns: 200 },
  );
});

test('specialTokenIds and tokenizer_config.json override conventions', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'leg-tok-'));
  try {
    const { readFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'tokenizer.json'), await readFile(fixture('char-level'), 'utf8'));
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: { content: '<pad>' } }));
    const tok = await HfTokenizer.fromFile(join(dir, 'tokenizer.json'), { specialTokenIds: { bos: 3 } });
    assert.equal(tok.specialTokens.eos, 0);
    assert.equal(tok.specialTokens.bos, 3);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('errors name the file or id and say what to do', async () => {
  await assert.rejects(
    HfTokenizer.fromFile('/nonexistent/tokenizer.json'),
    (e: unknown) => e instanceof ModelLoadError && /nonexistent.*not found/.test(e.message),
  );
  assert.throws(
    () => HfTokenizer.fromJson({ version: '1.0' }, { source: 'x.json' }),
    (e: unknown) => e instanceof ModelLoadError && e.field === 'model' && /x\.json/.test(e.message),
  );
  assert.throws(() => HfTokenizer.fromJson([]), ModelLoadError);
  const dir = await mkdtemp(join(tmpdir(), 'leg-tok-'));
  try {
    await writeFile(join(dir, 'tokenizer.json'), '{ not json');
    await assert.rejects(HfTokenizer.fromFile(join(dir, 'tokenizer.json')), /not valid JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const tok = await HfTokenizer.fromFile(fixture('char-level'));
  assert.throws(
    () => tok.decode([0, 999]),
    (e: unknown) => e instanceof ModelInputError && /999/.test(e.message),
  );
  assert.throws(() => tok.tokenBytes(-1), ModelInputError);
  assert.equal(tok.idToToken(999), undefined);
  assert.deepEqual(tok.encode(''), []);
  assert.equal(tok.decode([]), '');
});
