import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('every image README.md and docs/*.md show is a PNG in the repository', () => {
  const pages = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => join('docs', f)),
  ];
  const images: string[] = [];
  for (const page of pages) {
    for (const m of readFileSync(join(root, page), 'utf8').matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)) {
      const target = join(root, dirname(page), m[1]);
      images.push(m[1]);
      assert.ok(existsSync(target), `${page} shows ${m[1]}, which does not exist`);
      assert.deepEqual([...readFileSync(target).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], `${m[1]} is a PNG`);
    }
  }
  assert.ok(images.includes('docs/img/demo-weights.png'), 'README shows the demo weights heat map');
});
