import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

// Written as parts so that this file does not match itself.
const machineDirs = ['work', 'home', 'Users', 'root', 'tmp', 'mnt', 'opt', 'srv', 'private', 'Volumes', 'var/folders'];
/** A Unix path into a machine's own folders, not preceded by a path or URL character (so `https://x/home/` and `a/tmp/` pass). */
const UNIX = new RegExp(`(^|[^\\w.:/~-])/(${machineDirs.join('|')})/`);
/** A Windows user folder. */
const WINDOWS = /\b[A-Za-z]:\\{1,2}(Users|Documents and Settings)\\/;
/** A folder beside the repository, which a user's clone does not have. */
const OUTSIDE = new RegExp(['\\.\\./', 'shared/', '|', '\\bshared/', 'reference/'].join(''));

/** Why a line that matches is still fine, or null: a shebang's interpreter and .gitignore patterns (a leading / anchors at the repository root). */
function allowed(file: string, line: string): boolean {
  return /^#!\/usr\/bin\/env \w+$/.test(line) || file.endsWith('.gitignore');
}

test('no tracked file holds an absolute path into a machine (or a folder outside the repository)', () => {
  const ls = spawnSync('git', ['-C', root, 'ls-files', '-z'], { encoding: 'utf8' });
  if (ls.status !== 0) {
    // A copy without git (an unpacked tarball) has no list of tracked files to check.
    assert.match(ls.stderr + String(ls.error ?? ''), /not a git repository|ENOENT/);
    return;
  }
  const files = ls.stdout.split('\0').filter((f) => f !== '');
  assert.ok(files.length > 50, `git ls-files listed only ${files.length} files`);
  const hits: string[] = [];
  let scanned = 0;
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(join(root, f), 'utf8');
    } catch {
      continue; // deleted in the work tree but still in the index
    }
    if (text.includes('\u0000')) continue; // binary (ONNX models, PNGs)
    scanned++;
    text.split('\n').forEach((line, i) => {
      if ((UNIX.test(line) || WINDOWS.test(line) || OUTSIDE.test(line)) && !allowed(f, line)) hits.push(`${f}:${i + 1}: ${line.trim().slice(0, 120)}`);
    });
  }
  assert.ok(scanned > 50, `only ${scanned} text files scanned`);
  assert.deepEqual(hits, [], `make these paths relative to the repository (or to the file that uses them):\n${hits.join('\n')}`);
});

test('the absolute-path check catches the paths it is meant to and lets URLs and relative paths through', () => {
  // Built from parts, so that this file holds none of them.
  const unix = (...parts: string[]) => ['', ...parts].join('/');
  const bad = [
    `const p = "${unix('work', 'x.py')}";`,
    `open('${unix('home', 'me', 'data')}')`,
    `(${unix('Users', 'me', 'a')})`,
    ['C:', 'Users', 'me', 'x'].join('\\'),
    `see ${['..', 'shared', 'reference', 'a.py'].join('/')}`,
  ];
  for (const line of bad) {
    assert.ok(UNIX.test(line) || WINDOWS.test(line) || OUTSIDE.test(line), line);
  }
  // Built from parts like the bad examples, so this file holds no literal that looks like a machine path.
  const ok = ['https://example.com/home/x', ['runs', 'tmp', 'x'].join('/'), 'file.ts:12', `a ~${unix('tmp')}/ b`, `".${unix('work')}/"`];
  for (const line of ok) {
    assert.ok(!UNIX.test(line) && !WINDOWS.test(line) && !OUTSIDE.test(line), line);
  }
});
