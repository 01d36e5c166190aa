// Question: how many agent-steps per second does AnswerEnsembleEnv deliver on one core, alone and
// batched in a VectorEnv? One agent-step = one agent's action consumed by a step (an episode is one
// question, so a single env does reset + step per episode; the VectorEnv autoresets in the same step).
// Prints both side by side and the ratio vector / single (target: >= 200k agent-steps/s batched).
//
//   npx tsx benchmarks/envs-answer.ts [--smoke] [--seed N]
import { AnswerEnsembleEnv } from '../src/envs/AnswerEnsembleEnv.js';
import { VectorEnv } from '../src/envs/VectorEnv.js';
import { Rng } from '../src/core/Rng.js';
import { renderTable } from '../src/cli/renderTable.js';
import { syntheticAnswers } from '../src/testing/syntheticAnswers.js';
import { benchArgs, machineInfo, versionsOf, writeBenchResult } from './lib/benchReport.js';

const { smoke, flag } = benchArgs();
const seed = flag('--seed') ?? 0;
const seconds = smoke ? 0.15 : 2;

interface Row {
  readonly config: string;
  readonly envs: number;
  readonly agents: number;
  readonly steps: number;
  readonly agentSteps: number;
  readonly ms: number;
  readonly agentStepsPerSec: number;
}

const data = syntheticAnswers({ seed, numItems: 2000, generalists: 1 });
const agents = data.models;

/** Runs `body` (which returns agent-steps done) until `seconds` have passed, after a short warm-up. */
async function timeLoop(body: () => Promise<number>): Promise<{ agentSteps: number; steps: number; ms: number }> {
  const warmUntil = performance.now() + 1000 * Math.min(0.3, seconds / 2);
  while (performance.now() < warmUntil) await body();
  let agentSteps = 0,
    steps = 0;
  const t0 = performance.now();
  const until = t0 + 1000 * seconds;
  while (performance.now() < until) {
    for (let i = 0; i < 32; i++) {
      agentSteps += await body();
      steps++;
    }
  }
  return { agentSteps, steps, ms: performance.now() - t0 };
}

async function single(): Promise<Row> {
  const env = new AnswerEnsembleEnv({ data });
  const rng = new Rng(seed);
  const actions = Object.fromEntries(agents.map((a) => [a, Float32Array.of(rng.normal())]));
  await env.reset({ seed });
  const r = await timeLoop(async () => {
    await env.step(actions);
    await env.reset();
    return agents.length;
  });
  await env.close();
  return {
    config: 'single env (reset + step)',
    envs: 1,
    agents: agents.length,
    steps: r.steps,
    agentSteps: r.agentSteps,
    ms: r.ms,
    agentStepsPerSec: (1000 * r.agentSteps) / r.ms,
  };
}

async function vector(n: number): Promise<Row> {
  const v = await VectorEnv.create(() => new AnswerEnsembleEnv({ data }), n, { autoreset: 'same-step' });
  const rng = new Rng(seed + 1);
  const actions = Object.fromEntries(agents.map((a) => [a, Float32Array.from({ length: n }, () => rng.normal())]));
  await v.reset({ seed });
  const r = await timeLoop(async () => {
    await v.step(actions);
    return n * agents.length;
  });
  await v.close();
  return {
    config: `VectorEnv x${n} (same-step)`,
    envs: n,
    agents: agents.length,
    steps: r.steps,
    agentSteps: r.agentSteps,
    ms: r.ms,
    agentStepsPerSec: (1000 * r.agentSteps) / r.ms,
  };
}

const rows: Row[] = [await single()];
for (const n of smoke ? [16] : [16, 64, 256]) rows.push(await vector(n));

console.log(
  renderTable(
    ['config', 'envs', 'agents', 'calls', 'agent-steps', 'ms', 'agent-steps/s'],
    rows.map((r) => [r.config, r.envs, r.agents, r.steps, r.agentSteps, r.ms, Math.round(r.agentStepsPerSec)]),
    1,
  ),
);
const best = rows.slice(1).reduce((a, b) => (b.agentStepsPerSec > a.agentStepsPerSec ? b : a));
console.log(
  `ratio vector / single: ${(best.agentStepsPerSec / rows[0].agentStepsPerSec).toFixed(2)}x; best batch ${best.config}: ${Math.round(best.agentStepsPerSec)} agent-steps/s on one core (target >= 200000)${smoke ? ' [smoke: short runs, figures are rough]' : ''}`,
);

writeBenchResult('envs-answer', smoke, {
  benchmark: 'envs-answer',
  seed,
  smoke,
  backend: 'none (plain JS, single thread)',
  versions: versionsOf(),
  machine: machineInfo(),
  data: { items: data.items.length, models: data.models.length, maxOptions: data.maxOptions },
  rows,
});
