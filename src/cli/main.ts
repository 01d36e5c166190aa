import { Command, Option } from 'commander';
import { EnsembleGymError } from '../core/errors.js';
import { versionLine } from '../core/packageInfo.js';
import { registerBenchCommand } from './commands/bench.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerTrainCommand } from './commands/train.js';
import { registerEvalCommand } from './commands/evalCommand.js';
import { registerServeCommand } from './commands/serveCommand.js';
import { registerFitAnswersCommand } from './commands/fitAnswers.js';
import { registerExportCommand } from './commands/exportCommand.js';

/** Where the CLI writes: help and results to `out`, error lines to `err` (tests swap them). */
export interface MainIO {
  readonly out: (text: string) => void;
  readonly err: (line: string) => void;
}

const STD_IO: MainIO = { out: (t) => process.stdout.write(t), err: (l) => process.stderr.write(`${l}\n`) };

/** Builds the `llm-ensemble-gym` command tree (commands register themselves here); help and usage errors go to `io`. */
export function buildProgram(io: MainIO = STD_IO): Command {
  const program = new Command('llm-ensemble-gym')
    .description('LLM ensembling as a multi-agent RL environment: train PPO / MAPPO to weigh models span by span.')
    .version(versionLine(), '-V, --version', 'print the package version (and git commit when run from a checkout)')
    .addOption(new Option('--verbose', 'print stack traces of errors'))
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: (t) => io.err(t.replace(/\n$/, '')), outputError: (line, write) => write(line) });
  registerDemoCommand(program);
  registerTrainCommand(program);
  registerEvalCommand(program);
  registerFitAnswersCommand(program);
  registerExportCommand(program);
  registerServeCommand(program);
  registerBenchCommand(program);
  return program;
}

/**
 * Runs the CLI on `argv` and returns the exit code: 0 on success, 2 for usage and configuration
 * errors (one line, no stack trace unless `--verbose`), 1 for any other failure (also one line).
 */
export async function main(argv: readonly string[], io: MainIO = STD_IO): Promise<number> {
  const program = buildProgram(io);
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    const err = e as { code?: string; exitCode?: number };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    // Commander has already printed its one-line message.
    if (err.code?.startsWith('commander.')) return 2;
    const first = String(e instanceof Error ? e.message : e).split('\n')[0];
    io.err(`error: ${first}`);
    if (verbose && e instanceof Error && e.stack) io.err(e.stack);
    else if (!(e instanceof EnsembleGymError)) io.err('(run with --verbose for the stack trace)');
    return e instanceof EnsembleGymError ? 2 : 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('llm-ensemble-gym.js') || process.argv[1]?.endsWith('llm-ensemble-gym')) {
  process.exitCode = await main(process.argv.slice(2));
}
