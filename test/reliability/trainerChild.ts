// Child process of killDuringTraining.test.ts: resumes MAPPO from `<dir>/ckpt.json` when it exists
// (else starts fresh), then trains forever, writing a checkpoint and a metrics line every iteration,
// until the parent kills it. Protocol on stdout: `ready <iteration>` once, `saved <iteration>` after
// each checkpoint.
//
//   node --import tsx test/reliability/trainerChild.ts <dir>
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/initBackend.js';
import { resumeFromCheckpoint } from '../../src/algos/checkpoint.js';
import { makeAlgorithm } from '../../src/algos/makeAlgorithm.js';
import { Trainer } from '../../src/algos/Trainer.js';
import { CRASH_RUN_CONFIG, crashRunEnvs } from './crashRun.js';

async function main(dir: string): Promise<void> {
  await initBackend({ force: 'cpu' });
  const path = join(dir, 'ckpt.json');
  const algo = existsSync(path) ? await resumeFromCheckpoint(path, crashRunEnvs()) : makeAlgorithm(crashRunEnvs(), CRASH_RUN_CONFIG);
  process.stdout.write(`ready ${algo.iteration}\n`);
  // checkpointEvery 1 plus the save at the end of run(): two atomic writes per iteration.
  const trainer = new Trainer(algo, { metricsPath: join(dir, 'metrics.jsonl'), checkpointPath: path, checkpointEvery: 1 });
  for (;;) {
    await trainer.run(1);
    process.stdout.write(`saved ${algo.iteration}\n`);
  }
}

await main(process.argv[2]);
