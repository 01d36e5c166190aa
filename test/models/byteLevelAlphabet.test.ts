import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byteLevelAlphabet, byteLevelInverse } from '../../src/models/byteLevelAlphabet.js';

test('byte-level alphabet: 256 distinct printable characters, GPT-2 markers, inverse round-trips every byte', () => {
  const table = byteLevelAlphabet();
  assert.equal(table.length, 256);
  assert.equal(new Set(table).size, 256);
  assert.equal(table[0x20], 'Ġ');
  assert.equal(table[0x0a], 'Ċ');
  assert.equal(table[0x41], 'A');
  const inverse = byteLevelInverse();
  for (let b = 0; b < 256; b++) assert.equal(inverse.get(table[b]), b);
});
