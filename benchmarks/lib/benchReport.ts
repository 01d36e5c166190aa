// What every benchmark script shares: its command-line flags, the machine and version facts its JSON
// records, and writing that JSON under bench-results/ (git-ignored). Kept in a subfolder so that
// `bench` (which runs every benchmarks/*.ts) does not take it for a benchmark.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, cpus, platform } from 'node:os';
import { join } from 'node:path';
import { packageInfo } from '../../src/core/packageInfo.js';

/** The flags a benchmark was started with. */
export interface BenchArgs {
  /** The raw arguments after the script name. */
  readonly args: readonly string[];
  /** `--smoke`: tiny sizes, only checks that the script runs. */
  readonly smoke: boolean;
  /** `Number` of the value after `name` (NaN when it is not a number), undefined when the flag is absent. */
  readonly flag: (name: string) => number | undefined;
}

/** Parses `argv` (default: this process's arguments) into `--smoke` and numeric flags. */
export function benchArgs(argv: readonly string[] = process.argv.slice(2)): BenchArgs {
  return {
    args: argv,
    smoke: argv.includes('--smoke'),
    flag: (name) => {
      const i = argv.indexOf(name);
      return i >= 0 ? Number(argv[i + 1]) : undefined;
    },
  };
}

/** Platform, architecture, CPU count and CPU model of this machine. */
export function machineInfo(): { platform: string; arch: string; cpus: number; cpu: string | undefined } {
  return { platform: platform(), arch: arch(), cpus: cpus().length, cpu: cpus()[0]?.model };
}

/** `{ node, <key>: version of package <name> }` for each `key: name` of `packages`, as installed here. */
export function versionsOf(packages: Record<string, string> = {}): Record<string, string> {
  const require = createRequire(import.meta.url);
  const out: Record<string, string> = { node: process.version };
  for (const [key, name] of Object.entries(packages)) out[key] = (require(`${name}/package.json`) as { version: string }).version;
  return out;
}

/**
 * Writes `report` as JSON to bench-results/<name>[-smoke].json (creating the folder), with `package`
 * (name, version, git commit when available) added so a result says what code it measured; returns the path.
 */
export function writeBenchResult(
  name: string,
  smoke: boolean,
  report: Record<string, unknown>,
  dir = new URL('../../bench-results/', import.meta.url).pathname,
): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}${smoke ? '-smoke' : ''}.json`);
  writeFileSync(path, JSON.stringify({ ...report, package: packageInfo() }, null, 1));
  return path;
}
