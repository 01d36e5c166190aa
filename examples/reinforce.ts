// Bring your own algorithm: minimal REINFORCE (CleanRL style, one file, plain arrays, no tfjs) on the
// public parallel-env API only. Each agent keeps a linear softmax policy over the K options from its
// own observation, samples a pick, sends it as logits (the env's action), and after every episode
// moves its parameters along (return - baseline) * grad log pi(pick | obs).
//
//   npx tsx examples/reinforce.ts [--episodes N] [--seed N]
import { CoordinationGameEnv, Rng } from 'llm-ensemble-gym';

/** Options of `trainReinforce` (defaults in brackets). */
export interface ReinforceOptions {
  readonly episodes?: number; // [400]
  readonly seed?: number; // [0]
  readonly learningRate?: number; // [0.1]
  readonly log?: (line: string) => void;
}

/** Trains one linear softmax policy per agent with REINFORCE; returns the success rate of each block of 50 episodes. */
export async function trainReinforce(opts: ReinforceOptions = {}): Promise<number[]> {
  const { episodes = 400, seed = 0, learningRate = 0.1, log = () => {} } = opts;
  const env = new CoordinationGameEnv({ nAgents: 2, nOptions: 3, horizon: 4 });
  const rng = new Rng(seed);
  const agents = env.possibleAgents;
  const obsDim = env.observationSpace(agents[0]).flatDim;
  const K = env.actionSpace(agents[0]).flatDim;
  const theta: Record<string, Float64Array> = Object.fromEntries(agents.map((a) => [a, new Float64Array(obsDim * K)]));
  const probs = (a: string, obs: Float32Array): number[] => {
    const z = Array.from({ length: K }, (_, k) => obs.reduce((s, x, j) => s + x * theta[a][j * K + k], 0));
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((s, v) => s + v, 0);
    return e.map((v) => v / sum);
  };
  let baseline = 0;
  const blocks: number[] = [];
  let successes = 0,
    steps = 0;
  for (let ep = 0; ep < episodes; ep++) {
    let { observations } = await env.reset({ seed: seed * 100_000 + ep });
    const trace: { a: string; obs: Float32Array; pick: number; p: number[] }[] = [];
    let ret = 0;
    while (env.agents.length > 0) {
      const actions: Record<string, Float32Array> = {};
      for (const a of env.agents) {
        const p = probs(a, observations[a]);
        const pick = rng.categorical(p);
        trace.push({ a, obs: observations[a], pick, p });
        actions[a] = Float32Array.from({ length: K }, (_, k) => (k === pick ? 1 : 0));
      }
      const res = await env.step(actions);
      ret += res.rewards[agents[0]];
      successes += res.infos[agents[0]].success ? 1 : 0;
      steps += 1;
      observations = res.observations;
    }
    const adv = ret - baseline;
    baseline += 0.05 * (ret - baseline);
    for (const { a, obs, pick, p } of trace) {
      for (let j = 0; j < obsDim; j++) {
        if (obs[j] === 0) continue;
        for (let k = 0; k < K; k++) theta[a][j * K + k] += learningRate * adv * obs[j] * ((k === pick ? 1 : 0) - p[k]);
      }
    }
    if ((ep + 1) % 50 === 0) {
      blocks.push(successes / steps);
      log(`episodes ${ep + 1}: success rate ${(successes / steps).toFixed(3)}`);
      successes = 0;
      steps = 0;
    }
  }
  await env.close();
  return blocks;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, d: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : d);
  await trainReinforce({ episodes: arg('--episodes', 400), seed: arg('--seed', 0), log: console.log });
}
