import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;

/** Every file under `dir`, depth first. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** `file:line` of every line under src/ that matches `needle`. */
function occurrences(needle: RegExp): { scanned: number; hits: string[] } {
  const all = files(join(root, 'src'));
  const hits: string[] = [];
  for (const f of all) {
    readFileSync(f, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (needle.test(line)) hits.push(`${relative(root, f)}:${i + 1}`);
      });
  }
  return { scanned: all.length, hits };
}

test('no Math.random anywhere in src/ (randomness must come from a seeded Rng)', () => {
  // Strict: even a comment naming it fails, so a grep of the tree stays a reliable audit.
  const { scanned, hits } = occurrences(new RegExp(['Math', 'random'].join('\\.')));
  assert.ok(scanned > 0, 'no files found under src/');
  assert.deepEqual(hits, [], `replace Math.random with an Rng from core/Rng.ts in: ${hits.join(', ')}`);
});

test('no tf.multinomial calls in src/ (sample in JS with Rng.categorical so runs stay seeded)', () => {
  // Calls only: docs may say "never tf.multinomial".
  const { hits } = occurrences(/\bmultinomial\s*\(/);
  assert.deepEqual(hits, [], `replace tf.multinomial with Rng.categorical in: ${hits.join(', ')}`);
});
