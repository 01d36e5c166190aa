import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Option, type Command } from 'commander';
import { initBackend } from '../../backend/initBackend.js';
import { ConfigError } from '../../core/errors.js';
import { resumeFromCheckpoint } from '../../algos/checkpoint.js';
import { readConfigFile, resolveRunConfig } from '../RunConfig.js';
import { renderTable } from '../renderTable.js';
import { addDecodingOptions, intFlag, numberFlag } from './common.js';
import { buildRunEnvs } from './runEnvs.js';
import { scoreOnTest } from './train.js';
import { envNames } from '../../envs/envRegistry.js';

/** Registers `eval`: scores a checkpoint on the held-out split of the env it was trained on. */
export function registerEvalCommand(program: Command): void {
  const cmd = program
    .command('eval')
    .description("score a training checkpoint on the held-out split; the env is rebuilt from the run's config.json next to the checkpoint (flags override it)")
    .requiredOption('--checkpoint <file>', 'checkpoint.json written by train (or demo: checkpoints/<algo>.json)')
    .option('--config <file>', "run config (default: config.json in the checkpoint's folder or its parent)")
    .addOption(new Option('--env <name>', 'environment (see envRegistry)').choices(envNames()))
    .option('--data <file>', 'recorded answers for --env answer')
    .option('--split-frac <f>', 'fraction of recorded items used for training', numberFlag('--split-frac'))
    .option('--seed <n>', 'seed of the split and of evaluation', intFlag('--seed'));
  addDecodingOptions(cmd);
  cmd.action(async (opts: Record<string, unknown>) => {
    const { checkpoint, config, ...flags } = opts as { checkpoint: string; config?: string } & Record<string, unknown>;
    if (!existsSync(checkpoint)) throw new ConfigError('--checkpoint', `${checkpoint} does not exist`, 'Pass the checkpoint.json a train run printed.');
    const beside = [join(dirname(checkpoint), 'config.json'), join(dirname(checkpoint), '..', 'config.json')].find((p) => existsSync(p));
    const file = config ? readConfigFile(config) : beside ? readConfigFile(beside) : {};
    // A demo run's config.json holds experiment fields; keep only the run-config fields eval understands.
    const known = ['env', 'algo', 'models', 'data', 'seed', 'spanLength', 'maxSteps', 'trainItems', 'testItems', 'splitFrac'];
    const base = Object.fromEntries(Object.entries(file).filter(([k]) => known.includes(k)));
    const cfg = resolveRunConfig(base, flags);
    await initBackend();
    const envs = await buildRunEnvs(cfg);
    try {
      const algo = await resumeFromCheckpoint(checkpoint, envs.train);
      const score = await scoreOnTest(algo, envs, cfg.seed);
      process.stdout.write(
        `${renderTable(['checkpoint', 'env', 'algo', 'trained steps', 'test episodes', 'test accuracy %', 'test mean return'], [[checkpoint, cfg.env, algo.config.algo, algo.globalStep, score.episodes, (100 * score.accuracy).toFixed(1), score.meanReturn.toFixed(3)]])}\n`,
      );
      algo.dispose();
    } finally {
      await envs.close();
    }
  });
}
