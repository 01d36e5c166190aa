import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractTsBlocks, repoRoot, runDocBlocks } from '../support/runDocBlocks.js';

test('extractTsBlocks finds ts and typescript fences only, with their lines, inside lists too', () => {
  const md = ['# t', '```ts', 'const a = 1;', '```', '```js', 'no', '```', '- item', '  ```typescript', '  const b = 2;', '  ```', '````ts', 'x', '````'].join(
    '\n',
  );
  assert.deepEqual(extractTsBlocks(md), [
    { index: 0, line: 2, code: 'const a = 1;' },
    { index: 1, line: 9, code: 'const b = 2;' },
    { index: 2, line: 12, code: 'x' },
  ]);
  assert.throws(() => extractTsBlocks('```ts\nconst a = 1;\n'), /unclosed ```ts block opened at line 1/);
});

test('runDocBlocks reports exit code and stderr of each block; package imports resolve to this repository', async () => {
  const dir = join(repoRoot, '.doc-tests');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'sample.md'),
    ['```ts', "import { Rng } from 'llm-ensemble-gym';", 'console.log(new Rng(1).int(10));', '```', '```ts', "throw new Error('doc block broke');", '```'].join(
      '\n',
    ),
  );
  const [ok, bad] = await runDocBlocks('.doc-tests/sample.md');
  assert.equal(ok.exitCode, 0, ok.stderr);
  assert.match(ok.stdout, /^\d\n$/);
  assert.notEqual(bad.exitCode, 0);
  assert.match(bad.stderr, /doc block broke/);
});
