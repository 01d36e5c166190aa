import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Names of the benchmark scripts shipped in `benchmarks/` (file names without `.ts`). */
export function listBenchmarks(dir = join(ROOT, 'benchmarks')): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Registers `bench [names...] [--smoke]`: runs benchmark scripts (all when no name is given) and prints their tables. */
export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('run benchmark scripts from benchmarks/ (all when no name is given); each prints a table and its ratios')
    .argument('[names...]', 'benchmark names, e.g. envs-decoding')
    .option('--smoke', 'tiny sizes: checks the script runs, numbers are not meaningful')
    .option('--list', 'list the benchmarks and exit')
    .action((names: string[], opts: { smoke?: boolean; list?: boolean }) => {
      const all = listBenchmarks();
      if (opts.list) {
        process.stdout.write(`${all.join('\n')}\n`);
        return;
      }
      for (const n of names) {
        if (!all.includes(n)) throw new ConfigError('bench', `no benchmark named "${n}"`, `Available: ${all.join(', ') || '(none)'}.`);
      }
      let failed = 0;
      for (const n of names.length > 0 ? names : all) {
        process.stdout.write(`== ${n}\n`);
        const res = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'benchmarks', `${n}.ts`), ...(opts.smoke ? ['--smoke'] : [])], {
          cwd: ROOT,
          stdio: 'inherit',
        });
        if (res.status !== 0) failed++;
      }
      if (failed > 0) throw new Error(`${failed} benchmark(s) failed`);
    });
}
