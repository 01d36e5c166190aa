import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonlError, parseJsonl } from '../../src/core/readJsonl.js';

test('parseJsonl skips a UTF-8 byte-order mark before the first record', () => {
  const { records, warnings } = parseJsonl('\ufeff{"step": 1}\n{"step": 2}\n', 'm.jsonl');
  assert.deepEqual(records, [{ step: 1 }, { step: 2 }]);
  assert.deepEqual(warnings, []);
});

test('a corrupt line with a NUL byte is reported with the NUL escaped, never raw', () => {
  assert.throws(
    () => parseJsonl('{"step": \u0000 1}\n{"step": 2}\n', 'm.jsonl'),
    (e: unknown) => {
      assert.ok(e instanceof JsonlError);
      assert.match(e.message, /^m\.jsonl:1: not valid JSON/);
      assert.match(e.message, /\\u0000/);
      assert.doesNotMatch(e.message, /\u0000/);
      return true;
    },
  );
});
