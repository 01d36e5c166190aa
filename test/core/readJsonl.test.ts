import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { EnsembleGymError } from '../../src/core/errors.js';
import { JsonlError, parseJsonl, readJsonl, truncateTornTail } from '../../src/core/readJsonl.js';

const dir = mkdtempSync(join(tmpdir(), 'leg-jsonl-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const record = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 6 }),
  fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 12 }), fc.boolean(), fc.constant(null)),
  { maxKeys: 5 },
);

test('complete files round-trip, with or without a final newline, with CRLF and blank lines', async () => {
  const path = join(dir, 'ok.jsonl');
  writeFileSync(path, '{"it":1,"loss":0.5}\r\n\n{"it":2,"loss":0.25}\n');
  assert.deepEqual(await readJsonl(path), {
    records: [
      { it: 1, loss: 0.5 },
      { it: 2, loss: 0.25 },
    ],
    warnings: [],
  });
  assert.deepEqual(parseJsonl('{"a":1}').records, [{ a: 1 }]);
  assert.deepEqual(parseJsonl(''), { records: [], warnings: [] });
});

test('a torn last line is skipped with a warning naming file and line, returned and passed to onWarning', async () => {
  const path = join(dir, 'torn.jsonl');
  writeFileSync(path, '{"it":1}\n{"it":2}\n{"it":3,"lo');
  const seen: string[] = [];
  const { records, warnings } = await readJsonl(path, { onWarning: (m) => seen.push(m) });
  assert.deepEqual(records, [{ it: 1 }, { it: 2 }]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /torn\.jsonl:3: skipped the torn last line/);
  assert.deepEqual(seen, warnings);
});

test('trailing NUL bytes from a crash are skipped with a warning', () => {
  const { records, warnings } = parseJsonl('{"it":1}\n{"it":2,"x"\u0000\u0000\u0000', 'm.jsonl');
  assert.deepEqual(records, [{ it: 1 }]);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0], /NUL bytes/);
});

test('a corrupt line in the middle (or a complete but invalid last line) throws JsonlError naming file and line', async () => {
  const path = join(dir, 'bad.jsonl');
  writeFileSync(path, '{"it":1}\n{"it":2,,}\n{"it":3}\n');
  await assert.rejects(
    readJsonl(path),
    (e: unknown) => e instanceof JsonlError && e.line === 2 && e.source === path && e.message.includes(`${path}:2:`) && /not valid JSON/.test(e.message),
  );
  assert.throws(
    () => parseJsonl('{"it":1}\n[1,2]\n', 'f'),
    (e: unknown) => e instanceof JsonlError && e.line === 2 && /expected a JSON object/.test(e.message),
  );
  // A newline after the bad last line means the write finished: that is damage, not a torn append.
  assert.throws(
    () => parseJsonl('{"it":1}\n{"it":\n', 'f'),
    (e: unknown) => e instanceof JsonlError && e.line === 2,
  );
});

test('a missing file throws JsonlError with the path and a fix', async () => {
  await assert.rejects(
    readJsonl(join(dir, 'nope.jsonl')),
    (e: unknown) => e instanceof JsonlError && /nope\.jsonl: cannot be read \(ENOENT\)/.test(e.message) && /Check the path/.test(e.message),
  );
});

test('property: a file of appended records cut at any byte reads as a prefix of the records with at most one warning', () => {
  let cases = 0;
  fc.assert(
    fc.property(fc.array(record, { maxLength: 8 }), fc.nat(), (recs, cutSeed) => {
      cases++;
      const full = Buffer.from(recs.map((r) => `${JSON.stringify(r)}\n`).join(''), 'utf8');
      const cut = full.length === 0 ? 0 : cutSeed % (full.length + 1);
      // Cutting inside a multi-byte character leaves U+FFFD, as a real crash would.
      const { records, warnings } = parseJsonl(full.subarray(0, cut).toString('utf8'), 'cut.jsonl');
      assert.ok(warnings.length <= 1);
      assert.deepEqual(
        records,
        recs.slice(0, records.length).map((r) => JSON.parse(JSON.stringify(r))),
      );
      const complete = full.subarray(0, cut).toString('utf8').split('\n').length - 1;
      assert.ok(records.length === complete || records.length === complete + 1);
    }),
    { numRuns: 300, seed: 7 },
  );
  console.log(`fuzz: parseJsonl torn tails ${cases} cases, 0 failures`);
});

test('property: arbitrary text either parses or throws JsonlError, never anything else', () => {
  let cases = 0,
    errors = 0;
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.boolean(), (text, newline) => {
      cases++;
      try {
        parseJsonl(newline ? `${text}\n` : text, 'fuzz.jsonl');
      } catch (e) {
        errors++;
        assert.ok(e instanceof JsonlError && e instanceof EnsembleGymError, String(e));
        assert.ok(e.line >= 1);
      }
    }),
    { numRuns: 500, seed: 11 },
  );
  console.log(`fuzz: parseJsonl arbitrary text ${cases} cases (${errors} typed errors), 0 failures`);
});

test('a metrics file truncated at a random length after appends reads back every complete line', async () => {
  const path = join(dir, 'metrics.jsonl');
  writeFileSync(path, '');
  for (let i = 0; i < 20; i++) appendFileSync(path, `${JSON.stringify({ iteration: i, loss: 1 / (i + 1), tag: 'é✓' })}\n`);
  const size = statSync(path).size;
  for (const cut of [size, size - 1, size - 7, Math.floor(size / 2), 1, 0]) {
    writeFileSync(path, '');
    for (let i = 0; i < 20; i++) appendFileSync(path, `${JSON.stringify({ iteration: i, loss: 1 / (i + 1), tag: 'é✓' })}\n`);
    truncateSync(path, cut);
    const { records } = await readJsonl<{ iteration: number }>(path);
    assert.deepEqual(
      records.map((r) => r.iteration),
      Array.from({ length: records.length }, (_, i) => i),
    );
  }
});

test('truncateTornTail cuts a torn tail so the next append starts a fresh line; intact, missing and corrupt files are left alone', async () => {
  const path = join(dir, 'resume.jsonl');
  writeFileSync(path, '{"it":1}\n{"it":2}\n{"it":3,"lo');
  // Without the repair, an append after a crash glues onto the fragment and corrupts line 3.
  appendFileSync(`${path}.glued`, readFileSync(path));
  appendFileSync(`${path}.glued`, '{"it":3}\n');
  await assert.rejects(readJsonl(`${path}.glued`), (e: unknown) => e instanceof JsonlError && e.line === 3);
  const seen: string[] = [];
  const w = await truncateTornTail(path, { onWarning: (m) => seen.push(m) });
  assert.match(w ?? '', /cut 11 bytes of a torn last line/);
  assert.deepEqual(seen, [w]);
  appendFileSync(path, '{"it":3}\n');
  assert.deepEqual(await readJsonl(path), { records: [{ it: 1 }, { it: 2 }, { it: 3 }], warnings: [] });
  assert.equal(await truncateTornTail(path), null);
  assert.equal(await truncateTornTail(join(dir, 'absent.jsonl')), null);
  writeFileSync(path, '{"it":1}\n{"it":\u00e9\u0000\u0000');
  assert.match((await truncateTornTail(path)) ?? '', /torn/);
  assert.equal(readFileSync(path, 'utf8'), '{"it":1}\n');
  writeFileSync(path, '{"it":1}\nbad\n{"it":3');
  await assert.rejects(truncateTornTail(path), JsonlError);
  assert.equal(readFileSync(path, 'utf8'), '{"it":1}\nbad\n{"it":3');
});
