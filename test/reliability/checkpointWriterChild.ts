// Child process of killDuringCheckpoint.test.ts: the project's checkpoint writer (`saveCheckpoint`)
// in a tight loop, killed by the parent at random moments. It continues from `<dir>/ckpt.json` when
// that exists (refusing a damaged one: exit 3), and every write stores the real algorithm state in
// `<base>` with the iteration counter advanced, then appends a metrics line. Protocol on stdout:
// `ready <iteration>` once, then `saved <iteration>` after each write.
//
// The parent bundles this file with esbuild (replacing makeAlgorithm, which only resume needs), so
// that starting a child does not load tfjs and 50 kills fit in a test.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint, saveCheckpoint } from '../../src/algos/checkpoint.js';
import type { AlgorithmState, OnPolicyAlgorithm } from '../../src/algos/OnPolicyAlgorithm.js';

const [dir, basePath] = process.argv.slice(2);
const base = JSON.parse(readFileSync(basePath, 'utf8')) as AlgorithmState;
const path = join(dir, 'ckpt.json');
let iteration = base.iteration;
if (existsSync(path)) {
  try {
    iteration = readCheckpoint(path).iteration;
  } catch (e) {
    process.stderr.write(`${(e as Error).name}: ${(e as Error).message}\n`);
    process.exit(3);
  }
}
process.stdout.write(`ready ${iteration}\n`);
for (;;) {
  iteration += 1;
  const state: AlgorithmState = { ...base, iteration, globalStep: base.globalStep + (iteration - base.iteration) * base.config.numSteps };
  saveCheckpoint(path, { saveState: () => state } as unknown as OnPolicyAlgorithm);
  appendFileSync(join(dir, 'metrics.jsonl'), `${JSON.stringify({ iteration, globalStep: state.globalStep, note: 'x'.repeat(iteration % 200) })}\n`);
  process.stdout.write(`saved ${iteration}\n`);
}
