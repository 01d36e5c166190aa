import { test } from 'node:test';
import assert from 'node:assert/strict';
import { putOwn } from '../../src/core/putOwn.js';

test('putOwn stores every key as an own enumerable entry, Object.prototype member names included, and never changes the prototype', () => {
  const keys = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'agent_0', '0'];
  const record: Record<string, number> = {};
  keys.forEach((k, i) => putOwn(record, k, i));
  assert.equal(Object.getPrototypeOf(record), Object.prototype);
  keys.forEach((k, i) => {
    assert.deepEqual(Object.getOwnPropertyDescriptor(record, k), { value: i, enumerable: true, writable: true, configurable: true }, k);
  });
  assert.deepEqual(Object.keys(record).sort(), [...keys].sort());
  putOwn(record, '__proto__', 9);
  assert.equal(record['__proto__'], 9);
  assert.equal(JSON.parse(JSON.stringify(record)).toString, 2);
});
