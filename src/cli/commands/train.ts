import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { initBackend } from '../../backend/initBackend.js';
import { plannedSteps, runWithCheckpoints } from '../../algos/runWithCheckpoints.js';
import type { OnPolicyAlgorithm } from '../../algos/OnPolicyAlgorithm.js';
import type { PPOConfig } from '../../algos/PPOConfig.js';
import { Rng } from '../../core/Rng.js';
import { EnsembleDecodingEnv } from '../../envs/EnsembleDecodingEnv.js';
import { readMetricsJsonl } from '../../viz/MetricsRecord.js';
import { writeRunPlots } from '../../viz/writeRunPlots.js';
import { Progress } from '../Progress.js';
import { renderTable } from '../renderTable.js';
import { evaluateDecoding } from '../../experiments/decoding/evaluateDecoding.js';
import { evaluateAnswers } from '../../experiments/answers/evaluateAnswers.js';
import type { RunConfig } from '../RunConfig.js';
import { addResumeOption, openRun, recordRun } from '../resumableRun.js';
import { addAlgoOption, addDecodingOptions, addRunOptions, configFromOptions, createRunDir, numberFlag, runConfigRecord } from './common.js';
import { packageInfo } from '../../core/packageInfo.js';
import { buildRunEnvs, type RunEnvs } from './runEnvs.js';
import { envNames } from '../../envs/envRegistry.js';

/** Test-split accuracy (success rate) and mean return of a trained algorithm. */
export interface TestScore {
  readonly accuracy: number;
  readonly meanReturn: number;
  readonly episodes: number;
}

/** Evaluates `algo` on the run's test env: every test prompt once (decoding) or every test item once (answer). */
export async function scoreOnTest(algo: OnPolicyAlgorithm, envs: RunEnvs, seed: number): Promise<TestScore> {
  if (envs.test instanceof EnsembleDecodingEnv) {
    const r = await evaluateDecoding(envs.test, algo.envPolicy(), { seed });
    return { accuracy: r.accuracy, meanReturn: r.accuracy, episodes: r.episodes };
  }
  const policy = algo.envPolicy();
  const rng = new Rng(`${seed}/eval`);
  const r = await evaluateAnswers(
    envs.test,
    (obs) => policy.act(obs, rng, { deterministic: true }).actions as Record<string, Float32Array>,
    envs.testEpisodes,
    seed,
  );
  return { accuracy: r.accuracy, meanReturn: r.meanReturn, episodes: r.episodes };
}

/** The PPO config of a run: the `ppo` section of the config file, then algo / seed / steps from the run config. */
export function ppoConfigOf(cfg: RunConfig): Partial<PPOConfig> & { algo: PPOConfig['algo'] } {
  const numSteps = Math.min(128, cfg.steps);
  return { numSteps, ...(cfg.ppo as Partial<PPOConfig> | undefined), algo: cfg.algo, seed: cfg.seed, totalSteps: cfg.steps };
}

/**
 * Registers `train`: trains PPO / IPPO / MAPPO on one env, writes metrics, a checkpoint every iteration,
 * plots and the test score; `--resume <run dir>` continues a killed run from its checkpoint.
 */
export function registerTrainCommand(program: Command): void {
  const cmd = program
    .command('train')
    .description('train PPO, IPPO or MAPPO on an env (decoding: live models; answer / focal: recorded answers) and score it on the held-out split')
    .addOption(new Option('--env <name>', 'environment (see envRegistry)').choices(envNames()))
    .option('--data <file>', 'recorded answers (JSON/JSONL) for --env answer / focal')
    .option('--split-frac <f>', 'fraction of recorded items used for training (default 0.8)', numberFlag('--split-frac'));
  addAlgoOption(cmd);
  addRunOptions(cmd);
  addDecodingOptions(cmd);
  addResumeOption(cmd);
  cmd.action(async (given: Record<string, unknown>) => {
    const { options: opts, resumeDir } = openRun('train', given);
    const cfg = configFromOptions(opts);
    await initBackend();
    const envs = await buildRunEnvs(cfg);
    try {
      const runDir = resumeDir ?? createRunDir(cfg.out, `train-${cfg.env}-${cfg.algo}`);
      recordRun(runDir, 'train', opts);
      process.stderr.write(`run folder: ${runDir}${resumeDir ? ' (resumed)' : ''}\n`);
      writeFileSync(join(runDir, 'config.json'), JSON.stringify(runConfigRecord(cfg), null, 1));
      const metricsPath = join(runDir, 'metrics.jsonl');
      if (!resumeDir || !existsSync(metricsPath)) writeFileSync(metricsPath, '');
      const ppo = ppoConfigOf(cfg);
      const bar = new Progress(cfg.algo, plannedSteps(envs.train, ppo));
      const t0 = performance.now();
      const algo = await runWithCheckpoints(envs.train, ppo, {
        checkpointPath: join(runDir, 'checkpoint.json'),
        metricsPath,
        resume: resumeDir !== null,
        callbacks: [{ onIteration: (m) => bar.update(m.globalStep, { successRate: m.successRate ?? undefined, meanReturn: m.episodeReturn ?? undefined }) }],
      });
      bar.stop();
      const trainSeconds = (performance.now() - t0) / 1000;
      const score = await scoreOnTest(algo, envs, cfg.seed);
      const plots = await writeRunPlots(join(runDir, 'plots'), { metrics: readMetricsJsonl(metricsPath) });
      writeFileSync(
        join(runDir, 'results.json'),
        JSON.stringify({ env: cfg.env, algo: cfg.algo, steps: algo.globalStep, trainSeconds, test: score, plots, package: packageInfo() }, null, 1),
      );
      process.stdout.write(
        `${renderTable(['env', 'algo', 'train steps', 'train s', 'test episodes', 'test accuracy %', 'test mean return'], [[cfg.env, cfg.algo, algo.globalStep, trainSeconds.toFixed(1), score.episodes, (100 * score.accuracy).toFixed(1), score.meanReturn.toFixed(3)]])}\n`,
      );
      process.stdout.write(`checkpoint: ${join(runDir, 'checkpoint.json')}\n`);
      algo.dispose();
    } finally {
      await envs.close();
    }
  });
}
