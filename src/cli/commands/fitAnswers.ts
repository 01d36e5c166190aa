import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { initBackend } from '../../backend/initBackend.js';
import { runFitAnswers } from '../../experiments/answers/runFitAnswers.js';
import { Progress } from '../Progress.js';
import { renderTable } from '../renderTable.js';
import { addAlgoOption, addRunOptions, configFromOptions, createRunDir, numberFlag } from './common.js';
import { loadRunData } from './runEnvs.js';
import { ppoConfigOf } from './train.js';

/** Registers `fit-answers`: RL-Focal fusion (or decider + fusion with --focal) on recorded answers, against baselines. */
export function registerFitAnswersCommand(program: Command): void {
  const cmd = program
    .command('fit-answers')
    .description('learn how to fuse recorded model answers (RL-Focal fusion; with --focal also the sub-ensemble decider) and compare with single models, uniform, best fixed weights, plurality vote and stacked logistic regression on the held-out split')
    .requiredOption('--data <file>', 'recorded answers: JSON {"models": [...], "items": [...]} or JSONL (header line, then one item per line)')
    .option('--split-frac <f>', 'fraction of items without a "split" used for training (default 0.8)', numberFlag('--split-frac'))
    .option('--focal', 'train the RL-Focal decider (which models to include) together with the fusion weights');
  addAlgoOption(cmd, ['ppo', 'ippo', 'mappo']);
  addRunOptions(cmd);
  cmd.action(async (opts: Record<string, unknown>) => {
    const cfg = configFromOptions(opts, { env: opts.focal ? 'focal' : 'answer' });
    await initBackend();
    const data = await loadRunData(cfg);
    const runDir = createRunDir(cfg.out, `fit-answers-${cfg.algo}${cfg.focal ? '-focal' : ''}`);
    writeFileSync(join(runDir, 'config.json'), JSON.stringify(cfg, null, 1));
    const ppo = { ...ppoConfigOf(cfg), seed: cfg.seed, totalSteps: cfg.steps };
    const bar = new Progress(`${cfg.algo}${cfg.focal ? '+focal' : ''}`, ppo.totalSteps);
    const { rows, trainSeconds, globalStep, numTrain, numTest } = await runFitAnswers({ data, focal: cfg.focal, ppo, runDir, onIteration: (m) => bar.update(m.globalStep, { meanReturn: m.episodeReturn ?? undefined }) });
    bar.stop();
    process.stdout.write(
      `${renderTable(
        ['method', 'test accuracy %', 'models used', 'eval wall s'],
        rows.map((r) => [r.method + (r.weights && r.method.startsWith('best') ? ` [${r.weights.map((w) => w.toFixed(2)).join(', ')}]` : ''), (100 * r.accuracy).toFixed(1), r.meanSize.toFixed(2), r.wallSeconds.toFixed(3)]),
      )}\n`,
    );
    process.stdout.write(`${numTrain} train / ${numTest} test items; trained ${globalStep} steps in ${trainSeconds.toFixed(1)} s; run folder: ${runDir}\n`);
  });
}
