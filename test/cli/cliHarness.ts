// Runs the CLI as a user would (bin script) and finds the run folder a command wrote.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `llm-ensemble-gym <args>` in a child process with quiet backend logs. */
export function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/llm-ensemble-gym.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 180_000, env: { ...process.env, LEG_QUIET: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The single run folder under `out`. */
export function onlyRun(out: string): string {
  const runs = readdirSync(out);
  assert.equal(runs.length, 1, `one run folder in ${out}: ${runs.join(', ')}`);
  return join(out, runs[0]);
}
