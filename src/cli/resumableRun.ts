import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { writeFileAtomicSync } from '../core/writeFileAtomic.js';

/** The file in a run folder that records the command and flags it was started with (what `--resume` replays). */
export const RUN_FILE = 'run.json';

// Flags that name files: stored as absolute paths, so a resume from another folder finds the same files.
const PATH_FLAGS = new Set(['config', 'data', 'out', 'models']);

const runFileSchema = z.object({ command: z.string(), options: z.record(z.string(), z.unknown()) });

/** Adds `--resume <run dir>` to a long-running command. */
export function addResumeOption(cmd: Command): Command {
  return cmd.option(
    '--resume <run dir>',
    `continue a run that was interrupted (killed, crashed) from its last checkpoint, with the flags it was started with (${RUN_FILE}); the run folder then ends as if it had never stopped`,
  );
}

/** What `openRun` returns: the flags to run with, and the run folder when resuming. */
export interface OpenedRun {
  readonly options: Record<string, unknown>;
  /** The run folder being resumed, or null for a new run. */
  readonly resumeDir: string | null;
}

/**
 * The flags of `command`'s run: with `--resume DIR`, the ones stored in `DIR/run.json` (no other flag
 * may be given: a resumed run must be the run that was interrupted); otherwise the given flags with
 * file paths made absolute. Throws ConfigError naming `--resume` for a folder that is not a run of `command`.
 */
export function openRun(command: string, given: Record<string, unknown>): OpenedRun {
  const { resume, ...flags } = given;
  if (resume === undefined) return { options: absolutePaths(flags), resumeDir: null };
  const dir = resolve(String(resume as string));
  const extra = Object.keys(flags).filter((k) => flags[k] !== undefined);
  if (extra.length > 0) {
    throw new ConfigError(
      '--resume',
      `was given with ${extra.map(flagName).join(', ')}`,
      `A resumed run replays the flags stored in ${join(dir, RUN_FILE)}; drop the other flags.`,
    );
  }
  const file = join(dir, RUN_FILE);
  if (!existsSync(file))
    throw new ConfigError(
      '--resume',
      `${dir} has no ${RUN_FILE}`,
      `Pass the run folder that ${command} printed (it holds ${RUN_FILE}, config.json and metrics.jsonl).`,
    );
  let parsed: z.infer<typeof runFileSchema>;
  try {
    parsed = runFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (e) {
    throw new ConfigError('--resume', `${file} is not a run file (${(e as Error).message.split('\n')[0]})`, `Pass a run folder written by ${command}.`);
  }
  if (parsed.command !== command)
    throw new ConfigError(
      '--resume',
      `${dir} is a ${parsed.command} run, not a ${command} run`,
      `Resume it with \`llm-ensemble-gym ${parsed.command} --resume ${dir}\`.`,
    );
  return { options: parsed.options, resumeDir: dir };
}

/** Records `command` and its flags in `runDir/run.json` (atomically), so `--resume runDir` can replay them. */
export function recordRun(runDir: string, command: string, options: Record<string, unknown>): void {
  writeFileAtomicSync(join(runDir, RUN_FILE), JSON.stringify({ command, options }, null, 1));
}

function absolutePaths(flags: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flags)) {
    if (v === undefined) continue;
    out[k] = !PATH_FLAGS.has(k) ? v : Array.isArray(v) ? v.map((x) => resolve(String(x))) : resolve(String(v as string));
  }
  return out;
}

const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
