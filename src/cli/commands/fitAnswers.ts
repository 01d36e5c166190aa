import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { initBackend } from '../../backend/initBackend.js';
import { ConfigError } from '../../core/errors.js';
import { Rng } from '../../core/Rng.js';
import { plannedSteps, runWithCheckpoints } from '../../algos/runWithCheckpoints.js';
import { AnswerEnsembleEnv } from '../../envs/AnswerEnsembleEnv.js';
import { FocalEnv } from '../../envs/FocalEnv.js';
import { itemsOf, type AnswerDataset } from '../../envs/answerData.js';
import { readMetricsJsonl } from '../../viz/MetricsRecord.js';
import { writeRunPlots } from '../../viz/writeRunPlots.js';
import { Progress } from '../Progress.js';
import { renderTable } from '../renderTable.js';
import type { Policy } from '../../agents/Policy.js';
import { FixedWeightsPolicy, gridSearchWeights } from '../../agents/baselines/FixedWeightsPolicy.js';
import { PluralityVotePolicy } from '../../agents/baselines/PluralityVotePolicy.js';
import { StackedLogisticPolicy } from '../../agents/baselines/StackedLogisticPolicy.js';
import { evaluateAnswers, type AnswerChooser } from '../answers/evaluateAnswers.js';
import { addAlgoOption, addRunOptions, configFromOptions, createRunDir, numberFlag, runConfigRecord } from './common.js';
import { packageInfo } from '../../core/packageInfo.js';
import { loadRunData } from './runEnvs.js';
import { addResumeOption, openRun, recordRun } from '../resumableRun.js';
import { ppoConfigOf } from './train.js';

/** One row of the fit-answers table. */
export interface AnswerMethodResult {
  readonly method: string;
  readonly accuracy: number;
  readonly meanSize: number;
  readonly wallSeconds: number;
  readonly weights?: readonly number[];
}

/** A baseline or trained policy acting deterministically, as an evaluation chooser. */
function chooserOf(policy: Policy, seed: number): AnswerChooser {
  const rng = new Rng(`${seed}/baseline`);
  return (obs) => policy.act(obs, rng, { deterministic: true }).actions as Record<string, Float32Array>;
}

/**
 * Baselines on the test split (from `src/agents/baselines`): each model alone, uniform weights, the
 * best fixed weights (grid chosen on the train split), plurality vote and per-task stacked
 * logistic regression (fitted on the train split).
 */
export async function answerBaselines(data: AnswerDataset, seed: number): Promise<AnswerMethodResult[]> {
  const agents = data.models;
  const n = agents.length;
  const trainEnv = new AnswerEnsembleEnv({ data, split: 'train', order: 'sequential' });
  const testEnv = new AnswerEnsembleEnv({ data, split: 'test', order: 'sequential' });
  const nTrain = itemsOf(data, 'train').length;
  const nTest = itemsOf(data, 'test').length;
  const rows: AnswerMethodResult[] = [];
  const run = async (method: string, policy: Policy, meanSize: number, weights?: readonly number[]): Promise<void> => {
    const r = await evaluateAnswers(testEnv, chooserOf(policy, seed), nTest, seed);
    rows.push({ method, accuracy: r.accuracy, meanSize, wallSeconds: r.wallSeconds, ...(weights ? { weights } : {}) });
  };
  for (let i = 0; i < n; i++) await run(`${agents[i]} alone`, new FixedWeightsPolicy({ agents, weights: agents.map((_, j) => (j === i ? 1 : 0)) }), 1);
  await run('uniform weights', new FixedWeightsPolicy({ agents }), n);
  const best = await gridSearchWeights({ agents, steps: n <= 4 ? 4 : 2, evaluate: async (p) => (await evaluateAnswers(trainEnv, chooserOf(p, seed), nTrain, seed)).accuracy });
  await run('best fixed weights', best.policy, best.policy.weights.filter((w) => w > 0).length, best.policy.weights);
  await run('plurality vote', new PluralityVotePolicy(agents, data.maxOptions), n);
  await run('stacked logistic regression', StackedLogisticPolicy.fit(data), n);
  await trainEnv.close();
  await testEnv.close();
  return rows;
}

/** Registers `fit-answers`: RL-Focal fusion (or decider + fusion with --focal) on recorded answers, against baselines. */
export function registerFitAnswersCommand(program: Command): void {
  const cmd = program
    .command('fit-answers')
    .description('learn how to fuse recorded model answers (RL-Focal fusion; with --focal also the sub-ensemble decider) and compare with single models, uniform, best fixed weights, plurality vote and stacked logistic regression on the held-out split')
    .option('--data <file>', '(required unless --resume) recorded answers: JSON {"models": [...], "items": [...]} or JSONL (header line, then one item per line)')
    .option('--split-frac <f>', 'fraction of items without a "split" used for training (default 0.8)', numberFlag('--split-frac'))
    .option('--focal', 'train the RL-Focal decider (which models to include) together with the fusion weights');
  addAlgoOption(cmd, ['ppo', 'ippo', 'mappo']);
  addRunOptions(cmd);
  addResumeOption(cmd);
  cmd.action(async (given: Record<string, unknown>) => {
    const { options: opts, resumeDir } = openRun('fit-answers', given);
    if (opts.data === undefined) throw new ConfigError('--data', "required option '--data <file>' not specified", 'Pass --data FILE (recorded answers), or --resume RUN_DIR to continue a run.');
    const cfg = configFromOptions(opts, { env: opts.focal ? 'focal' : 'answer' });
    await initBackend();
    const data = await loadRunData(cfg);
    const runDir = resumeDir ?? createRunDir(cfg.out, `fit-answers-${cfg.algo}${cfg.focal ? '-focal' : ''}`);
    recordRun(runDir, 'fit-answers', opts);
    process.stderr.write(`run folder: ${runDir}${resumeDir ? ' (resumed)' : ''}\n`);
    writeFileSync(join(runDir, 'config.json'), JSON.stringify(runConfigRecord(cfg), null, 1));
    const rows = await answerBaselines(data, cfg.seed);

    const make = (split: 'train' | 'test'): AnswerEnsembleEnv | FocalEnv =>
      cfg.focal ? new FocalEnv({ data, split, order: split === 'test' ? 'sequential' : 'shuffle' }) : new AnswerEnsembleEnv({ data, split, order: split === 'test' ? 'sequential' : 'shuffle' });
    const trainEnv = make('train');
    const testEnv = make('test');
    const metricsPath = join(runDir, 'metrics.jsonl');
    if (!resumeDir || !existsSync(metricsPath)) writeFileSync(metricsPath, '');
    const label = `${cfg.algo}${cfg.focal ? '+focal' : ''}`;
    const bar = new Progress(label, plannedSteps(trainEnv, ppoConfigOf(cfg)));
    const t0 = performance.now();
    const algo = await runWithCheckpoints(trainEnv, ppoConfigOf(cfg), {
      checkpointPath: join(runDir, 'checkpoint.json'), metricsPath, label, resume: resumeDir !== null,
      callbacks: [{ onIteration: (m) => bar.update(m.globalStep, { meanReturn: m.episodeReturn ?? undefined }) }],
    });
    bar.stop();
    const trainSeconds = (performance.now() - t0) / 1000;
    const policy = algo.envPolicy();
    const rng = new Rng(`${cfg.seed}/eval`);
    const learned = await evaluateAnswers(testEnv, (obs) => policy.act(obs, rng, { deterministic: true }).actions as Record<string, Float32Array>, itemsOf(data, 'test').length, cfg.seed);
    rows.push({ method: `${cfg.algo.toUpperCase()}${cfg.focal ? ' (decider + fusion)' : ' (fusion)'}`, accuracy: learned.accuracy, meanSize: learned.meanSize, wallSeconds: learned.wallSeconds });
    algo.dispose();
    await trainEnv.close();
    await testEnv.close();

    const plots = await writeRunPlots(join(runDir, 'plots'), { metrics: readMetricsJsonl(metricsPath), accuracy: rows.map((r) => ({ method: r.method, accuracy: r.accuracy })) });
    writeFileSync(join(runDir, 'results.json'), JSON.stringify({ data: data.source, models: data.models, rows, trainSeconds, plots, package: packageInfo() }, null, 1));
    process.stdout.write(
      `${renderTable(
        ['method', 'test accuracy %', 'models used', 'eval wall s'],
        rows.map((r) => [r.method + (r.weights && r.method.startsWith('best') ? ` [${r.weights.map((w) => w.toFixed(2)).join(', ')}]` : ''), (100 * r.accuracy).toFixed(1), r.meanSize.toFixed(2), r.wallSeconds.toFixed(3)]),
      )}\n`,
    );
    process.stdout.write(`${itemsOf(data, 'train').length} train / ${itemsOf(data, 'test').length} test items; trained ${algo.globalStep} steps in ${trainSeconds.toFixed(1)} s; run folder: ${runDir}\n`);
  });
}
