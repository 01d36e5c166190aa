import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { initBackend } from '../../backend/initBackend.js';
import type { PPOConfig } from '../../algos/PPOConfig.js';
import { FIT_ANSWERS_DEFAULTS } from '../../experiments/answers/fitAnswersDefaults.js';
import { runFitAnswers } from '../../experiments/answers/runFitAnswers.js';
import type { FusionEnvOptions } from '../../experiments/answers/trainAnswerFusion.js';
import { ANSWER_REWARDS } from '../../envs/AnswerFusion.js';
import { Progress } from '../Progress.js';
import { renderTable } from '../renderTable.js';
import { readConfigFile, resolveRunConfig } from '../RunConfig.js';
import { addAlgoOption, addRunOptions, createRunDir, intFlag, numberFlag, runConfigRecord } from './common.js';
import { loadRunData } from './runEnvs.js';
import { ConfigError } from '../../core/errors.js';
import { addResumeOption, openRun, recordRun } from '../resumableRun.js';

const pct = (x: number): string => (100 * x).toFixed(1);

/** Short column names for task names (initials of their words; a repeat gets a number). */
export function taskAbbreviations(tasks: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return tasks.map((t) => {
    const a =
      t
        .split(/[_\s-]+/)
        .filter(Boolean)
        .map((w) => w[0])
        .join('') || t;
    const k = (seen.get(a) ?? 0) + 1;
    seen.set(a, k);
    return k > 1 ? `${a}${k}` : a;
  });
}

/** Registers `fit-answers`: learned fusion (or decider + fusion with --focal) on recorded answers, against every baseline, overall and per task. */
export function registerFitAnswersCommand(program: Command): void {
  const D = FIT_ANSWERS_DEFAULTS;
  const cmd = program
    .command('fit-answers')
    .description(
      'learn how to fuse recorded model answers (fusion agents, with --focal also the sub-ensemble decider) and compare with single models, uniform, best single, per-task best single, plurality vote, mean of scores, best fixed weights, stacked softmax regression (global and per task) and the oracle on the held-out split, overall and per task',
    )
    .option(
      '--data <file>',
      '(required unless --resume) recorded answers: JSON {"models": [...], "items": [...]} or JSONL (header line, then one item per line)',
    )
    .option('--split-frac <f>', 'fraction of items without a "split" used for training (default 0.8)', numberFlag('--split-frac'))
    .option('--focal', 'train the RL-Focal decider (which models to include) together with the fusion agents')
    .addOption(
      new Option('--fusion <mode>', `how the agents' actions become the answer (default ${D.env.fusion})`).choices([
        'weights',
        'votes',
        'calibrated',
        'linear',
      ]),
    )
    .addOption(
      new Option(
        '--reward <kind>',
        `correct: the greedy answer is right; expected: its chance under the fused distribution; gain: that chance minus the one of zero actions; difference: per agent, that chance minus the one with its own action zeroed (not with --focal) (default ${D.env.reward})`,
      ).choices(ANSWER_REWARDS),
    )
    .addOption(new Option('--features <kind>', `what each agent sees of its own model (default ${D.env.features})`).choices(['scores', 'rich']))
    .option('--alpha <a>', `--focal: size penalty alpha (default ${D.focalEnv.alpha})`, numberFlag('--alpha'))
    .option('--num-envs <n>', `env copies stepped as one batch (default ${D.numEnvs})`, intFlag('--num-envs'));
  addAlgoOption(cmd, ['ppo', 'ippo', 'mappo']);
  addRunOptions(cmd);
  addResumeOption(cmd);
  cmd.action(async (given: Record<string, unknown>) => {
    const { options: opts, resumeDir } = openRun('fit-answers', given);
    if (opts.data === undefined)
      throw new ConfigError(
        '--data',
        "required option '--data <file>' not specified",
        'Pass --data FILE (recorded answers), or --resume RUN_DIR to continue a run.',
      );
    const { config, fusion, reward, features, alpha, numEnvs, ...flags } = opts;
    const file = typeof config === 'string' ? readConfigFile(config) : {};
    // fit-answers' own defaults sit under the config file and the flags.
    const cfg = resolveRunConfig({ algo: D.algo, steps: D.steps, ...file }, { ...flags, env: opts.focal ? 'focal' : 'answer' });
    const base = cfg.focal ? D.focalEnv : D.env;
    const env: FusionEnvOptions = {
      ...base,
      ...(fusion !== undefined ? { fusion: fusion as FusionEnvOptions['fusion'] } : {}),
      ...(reward !== undefined ? { reward: reward as FusionEnvOptions['reward'] } : {}),
      ...(features !== undefined ? { features: features as FusionEnvOptions['features'] } : {}),
      ...(alpha !== undefined ? { alpha: alpha as number } : {}),
    };
    await initBackend();
    const data = await loadRunData(cfg);
    const runDir = resumeDir ?? createRunDir(cfg.out, `fit-answers-${cfg.algo}${cfg.focal ? '-focal' : ''}`);
    recordRun(runDir, 'fit-answers', opts);
    process.stderr.write(`run folder: ${runDir}${resumeDir ? ' (resumed)' : ''}\n`);
    const ppo = { ...(cfg.focal ? D.focalPpo : D.ppo), ...(cfg.ppo as Partial<PPOConfig> | undefined), algo: cfg.algo, seed: cfg.seed, totalSteps: cfg.steps };
    const copies = (numEnvs as number | undefined) ?? D.numEnvs;
    writeFileSync(join(runDir, 'config.json'), JSON.stringify({ ...runConfigRecord(cfg), fitAnswers: { env, ppo, numEnvs: copies } }, null, 1));
    const bar = new Progress(`${cfg.algo}${cfg.focal ? '+focal' : ''}`, cfg.steps);
    const res = await runFitAnswers({
      data,
      focal: cfg.focal,
      env,
      ppo,
      numEnvs: copies,
      runDir,
      onIteration: (m) => bar.update(m.globalStep, { meanReturn: m.episodeReturn ?? undefined }),
      resume: resumeDir !== null,
    });
    bar.stop();
    const note = (r: (typeof res.rows)[number]): string => {
      if (r.selectionFrequency) return ` [chosen: ${r.selectionFrequency.map((f, i) => `${data.models[i]} ${pct(f)}%`).join(', ')}]`;
      if (r.weights) return ` [${r.weights.map((w) => w.toFixed(2)).join(', ')}]`;
      return r.chosen && !r.chosen.includes(';') ? ` [${r.chosen}]` : '';
    };
    process.stdout.write(
      `${renderTable(
        ['method (fitted on train)', 'test accuracy %', 'models used'],
        res.rows.map((r) => [r.method + note(r), pct(r.accuracy), r.meanSize.toFixed(2)]),
      )}\n`,
    );
    const short = taskAbbreviations(res.tasks);
    process.stdout.write(
      `per task (test accuracy %; ${short.map((a, i) => `${a} = ${res.tasks[i]}`).join(', ')}):\n${renderTable(
        ['method', ...short],
        res.rows.map((r) => [r.method, ...res.tasks.map((t) => (r.perTask[t] === undefined ? '-' : pct(r.perTask[t])))]),
      )}\n`,
    );
    process.stdout.write(
      `${res.numTrain} train / ${res.numTest} test items; trained ${res.globalStep} steps in ${res.trainSeconds.toFixed(1)} s; total ${res.totalSeconds.toFixed(1)} s; run folder: ${runDir}\n`,
    );
  });
}
