import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `npm <args>` in the repository root, as a user's `npx` call would read the project's .npmrc. */
function npm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npm', args, { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_UPDATE_NOTIFIER: '1' } });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

test('.npmrc holds only configs npm knows (npm 11 warns on every npx call otherwise)', () => {
  const r = npm(['config', 'get', 'fund']); // loads the project config (`npm --version` exits before it does)
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /Unknown (project|user|env) config/, r.stderr);
});

test('.npmrc turns dependency install scripts off, so npm ci needs nothing beyond the registry on npm 10 and 11', () => {
  // onnxruntime-node's postinstall downloads the CUDA provider from NuGet on linux/x64 when it runs.
  const r = npm(['config', 'get', 'ignore-scripts']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'true');
});
