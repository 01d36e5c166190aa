import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanStaleTemps, tempPathFor, writeFileAtomic, writeFileAtomicSync } from '../../src/core/writeFileAtomic.js';

/** The pid of a process that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

// The sync writer (checkpoints) must keep every promise of the async one, so both run the same tests.
const writers: Array<[string, (path: string, data: string) => Promise<void>]> = [
  ['writeFileAtomic', writeFileAtomic],
  ['writeFileAtomicSync', async (path, data) => writeFileAtomicSync(path, data)],
];

for (const [name, write] of writers) {
  test(`${name} writes the whole file and leaves no temp file, also for concurrent writes of one path`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    try {
      const path = join(dir, 'out.json');
      await write(path, 'old');
      const texts = Array.from({ length: 20 }, (_, i) => `write ${i} `.repeat(1000));
      await Promise.all(texts.map((t) => write(path, t)));
      assert.ok(texts.includes(await readFile(path, 'utf8')));
      assert.deepEqual(await readdir(dir), ['out.json']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test(`${name}: a failed write removes its temp file and rethrows`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    try {
      // A non-empty folder where the file should go: the rename fails after the temp file was written.
      const path = join(dir, 'taken');
      await mkdir(path);
      await writeFile(join(path, 'x'), 'x');
      await assert.rejects(write(path, 'data'), (e: NodeJS.ErrnoException) => typeof e.code === 'string');
      assert.deepEqual(await readdir(dir), ['taken']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test(`${name}: temps of dead writers are removed before the next write; live writers' temps and other files are kept`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    try {
      const path = join(dir, 'replay.jsonl');
      const dead = deadPid();
      const stale = [tempPathFor(path, dead, 0), tempPathFor(path, dead, 17)];
      const live = [tempPathFor(path, process.pid, 999), tempPathFor(path, process.ppid, 3)];
      const others = [join(dir, 'replay.jsonl.abc.1.tmp'), join(dir, 'other.jsonl.' + dead + '.0.tmp')];
      for (const p of [...stale, ...live, ...others]) await writeFile(p, 'partial');
      await write(path, 'new');
      const left = new Set(await readdir(dir));
      for (const p of stale) assert.ok(!left.has(p.slice(dir.length + 1)), `${p} of dead pid ${dead} was kept`);
      for (const p of [...live, ...others]) assert.ok(left.has(p.slice(dir.length + 1)), `${p} was removed`);
      assert.equal(await readFile(path, 'utf8'), 'new');
      assert.deepEqual(await cleanStaleTemps(path), []);
      assert.deepEqual(await cleanStaleTemps(join(dir, 'missing', 'x')), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
