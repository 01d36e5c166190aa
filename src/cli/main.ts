import { Command } from 'commander';

/** Builds the `llm-ensemble-gym` command tree (commands register themselves here). */
export function buildProgram(): Command {
  const program = new Command('llm-ensemble-gym')
    .description('LLM ensembling as a multi-agent RL environment: train PPO / MAPPO to weigh models span by span.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  return program;
}

/** Runs the CLI on `argv`; usage errors exit with code 2 and a one-line message. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    const err = e as { code?: string; exitCode?: number };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    if (err.code?.startsWith('commander.')) return 2;
    throw e;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('llm-ensemble-gym.js') || process.argv[1]?.endsWith('llm-ensemble-gym')) {
  process.exitCode = await main(process.argv.slice(2));
}
