import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decoderToGguf } from '../../../src/models/gguf/decoderToGguf.js';
import { GGUF_ALIGNMENT, GgufWriteError, writeGguf } from '../../../src/models/gguf/writeGguf.js';
import { randomDecoderWeights, TINY_SIZES } from '../../../src/testing/tinyDecoder.js';
import { charGgufTokens } from '../../../src/testing/tinyGguf.js';

/** Reads a GGUF string (u64 length + UTF-8) at `o`. */
function readStr(v: DataView, o: number): { s: string; end: number } {
  const n = Number(v.getBigUint64(o, true));
  return { s: new TextDecoder().decode(new Uint8Array(v.buffer, v.byteOffset + o + 8, n)), end: o + 8 + n };
}

test('writeGguf lays out header, metadata, tensor infos and 32-byte-aligned float32 data as the GGUF v3 spec says', () => {
  const a = Float32Array.of(1, 2, 3);
  const b = Float32Array.from({ length: 6 }, (_, i) => i / 2);
  const bytes = writeGguf({ 'general.architecture': 'gpt2', 'x.n': { type: 'uint32', value: 7 } }, [
    { name: 'a', dims: [3], data: a },
    { name: 'b', dims: [3, 2], data: b },
  ]);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 4)), 'GGUF');
  assert.equal(v.getUint32(4, true), 3);
  assert.equal(v.getBigUint64(8, true), 2n);
  assert.equal(v.getBigUint64(16, true), 2n);
  let o = 24;
  let r = readStr(v, o);
  assert.equal(r.s, 'general.architecture');
  assert.equal(v.getUint32(r.end, true), 8); // string
  r = readStr(v, r.end + 4);
  assert.equal(r.s, 'gpt2');
  r = readStr(v, r.end);
  assert.equal(r.s, 'x.n');
  assert.equal(v.getUint32(r.end, true), 4); // uint32
  assert.equal(v.getUint32(r.end + 4, true), 7);
  o = r.end + 8;
  const infos: { name: string; dims: number[]; offset: number }[] = [];
  for (let t = 0; t < 2; t++) {
    const nm = readStr(v, o);
    const nd = v.getUint32(nm.end, true);
    const dims = Array.from({ length: nd }, (_, d) => Number(v.getBigUint64(nm.end + 4 + 8 * d, true)));
    const p = nm.end + 4 + 8 * nd;
    assert.equal(v.getUint32(p, true), 0, 'type F32');
    infos.push({ name: nm.s, dims, offset: Number(v.getBigUint64(p + 4, true)) });
    o = p + 12;
  }
  assert.deepEqual(
    infos.map((i) => [i.name, i.dims]),
    [
      ['a', [3]],
      ['b', [3, 2]],
    ],
  );
  const dataStart = Math.ceil(o / GGUF_ALIGNMENT) * GGUF_ALIGNMENT;
  for (const [i, src] of [a, b].entries()) {
    assert.equal(infos[i].offset % GGUF_ALIGNMENT, 0);
    assert.deepEqual([...new Float32Array(bytes.slice(dataStart + infos[i].offset, dataStart + infos[i].offset + src.byteLength).buffer)], [...src]);
  }
});

test('writeGguf refuses duplicate names and dims that do not match the data', () => {
  const t = { name: 'a', dims: [2], data: Float32Array.of(1, 2) };
  assert.throws(() => writeGguf({}, [t, t]), GgufWriteError);
  assert.throws(() => writeGguf({}, [{ ...t, dims: [3] }]), GgufWriteError);
});

test('decoderToGguf refuses an lm-head bias (llama.cpp gpt2 has no tensor for it) and a vocabulary of the wrong size', () => {
  const tokens = charGgufTokens();
  const types = tokens.map(() => 1);
  const vocab = { tokens, tokenTypes: types, merges: [], bos: 1, eos: 2, addBos: true };
  assert.throws(() => decoderToGguf(randomDecoderWeights(1, tokens.length, TINY_SIZES, true), vocab), GgufWriteError);
  assert.throws(() => decoderToGguf(randomDecoderWeights(1, tokens.length + 1, TINY_SIZES, false), vocab), GgufWriteError);
  assert.ok(decoderToGguf(randomDecoderWeights(1, tokens.length, TINY_SIZES, false), vocab).length > 0);
});
