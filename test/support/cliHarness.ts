// Runs the CLI as a user would (bin script) and finds the run folder a command wrote.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticAnswersObject } from '../../src/testing/syntheticAnswers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `llm-ensemble-gym <args>` in a child process with quiet backend logs. */
export function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/llm-ensemble-gym.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, LEG_QUIET: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The single run folder under `out`. */
export function onlyRun(out: string): string {
  const runs = readdirSync(out);
  assert.equal(runs.length, 1, `one run folder in ${out}: ${runs.join(', ')}`);
  return join(out, runs[0]);
}

/** Runs `f` in a fresh temp folder (`prefix`) holding `answers.json` of synthetic answers, and removes the folder after. */
export function withSyntheticAnswers(prefix: string, opts: { numItems: number; seed: number }, f: (dir: string, data: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    const data = join(dir, 'answers.json');
    writeFileSync(data, JSON.stringify(syntheticAnswersObject(opts)));
    f(dir, data);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
