/**
 * Cross-validation of learned-fusion settings on the TRAIN split of an answer-data file (the test
 * split is never read): each train item goes to one of `--folds` folds (seeded, per task), and each
 * setting is trained on the other folds and scored on the held-out one.
 *
 *   npx tsx scripts/cv-fit-answers.ts DATA.json [--folds 3] [--run-folds N] [--curve-every ITERS] [--baselines] [--seed 0] [--configs '[{...}, ...]']
 *
 * A setting is `{ name?, focal?, env?: FusionEnvOptions, ppo?: Partial<PPOConfig>, steps?, numEnvs? }`.
 */
import { initBackend } from '../src/backend/initBackend.js';
import { loadAnswerData } from '../src/envs/answerData.js';
import { answerBaselines } from '../src/experiments/answers/answerBaselines.js';
import { trainAnswerFusion, type FusionEnvOptions } from '../src/experiments/answers/trainAnswerFusion.js';
import type { PPOConfig } from '../src/algos/PPOConfig.js';
import { cvFold } from './lib/cvFold.js';

interface Setting {
  readonly name?: string;
  readonly focal?: boolean;
  readonly env?: FusionEnvOptions;
  readonly ppo?: Partial<PPOConfig>;
  readonly steps?: number;
  readonly numEnvs?: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const path = args.find((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--')));
  if (!path) throw new Error('usage: cv-fit-answers.ts DATA.json [--folds 3] [--seed 0] [--configs JSON]');
  const flag = (name: string, dflt: string): string => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const folds = Number(flag('--folds', '3'));
  const seed = Number(flag('--seed', '0'));
  const curveEvery = Number(flag('--curve-every', '0'));
  const runFolds = Math.min(folds, Number(flag('--run-folds', String(folds))));
  const settings = JSON.parse(flag('--configs', '[{}]')) as Setting[];
  await initBackend();
  const data = await loadAnswerData(path);
  if (args.includes('--baselines')) {
    const acc = new Map<string, number[]>();
    for (let f = 0; f < runFolds; f++)
      for (const r of answerBaselines(cvFold(data, folds, f, seed), seed)) acc.set(r.method, [...(acc.get(r.method) ?? []), r.accuracy]);
    for (const [m, a] of acc)
      console.log(
        JSON.stringify({
          name: `baseline: ${m}`,
          cvAccuracy: +((100 * a.reduce((x, y) => x + y, 0)) / a.length).toFixed(2),
          folds: a.map((x) => +(100 * x).toFixed(2)),
        }),
      );
  }
  for (const s of settings) {
    const accs: number[] = [];
    const sizes: number[] = [];
    let secs = 0;
    for (let f = 0; f < runFolds; f++) {
      const d = cvFold(data, folds, f, seed);
      const steps = s.steps ?? 20000;
      const run = await trainAnswerFusion({
        data: d,
        focal: s.focal ?? false,
        env: s.env ?? {},
        numEnvs: s.numEnvs ?? 16,
        ppo: { algo: 'mappo', ...s.ppo, seed, totalSteps: steps },
        curve: curveEvery > 0 ? { split: 'test', every: curveEvery, items: 400 } : undefined,
      });
      if (run.curve.length) console.log(`  fold ${f + 1} curve: ${run.curve.map((c) => `${c.step}:${(100 * c.accuracy).toFixed(1)}`).join(' ')}`);
      const r = await run.evaluate('test');
      accs.push(r.accuracy);
      sizes.push(r.meanSize);
      secs += run.trainSeconds;
      run.algo.dispose();
    }
    const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
    console.log(
      JSON.stringify({
        name: s.name ?? JSON.stringify(s),
        cvAccuracy: +(100 * mean).toFixed(2),
        folds: accs.map((a) => +(100 * a).toFixed(2)),
        meanSize: +(sizes.reduce((a, b) => a + b, 0) / sizes.length).toFixed(2),
        trainSecondsPerFold: +(secs / runFolds).toFixed(1),
      }),
    );
  }
}

await main();
