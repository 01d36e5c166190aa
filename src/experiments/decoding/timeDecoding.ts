import type { Policy } from '../../agents/Policy.js';
import { ConfigError } from '../../core/errors.js';
import type { EnsembleDecodingEnv } from '../../envs/EnsembleDecodingEnv.js';
import { evaluateDecoding } from './evaluateDecoding.js';

/** How fast one policy decoded: union tokens and wall seconds summed over its timed passes. */
export interface DecodingSpeed {
  readonly tokens: number;
  readonly seconds: number;
  readonly passes: number;
  readonly tokensPerSecond: number;
  /** Mean wall seconds of one pass over the items. */
  readonly secondsPerPass: number;
}

/** Options of `timeDecoding`. */
export interface TimeDecodingOptions {
  /** Passes over the items per policy (default 2). */
  readonly rounds?: number;
  /** Episode seed, as `evaluateDecoding` takes it (default 0). */
  readonly seed?: number;
  /** Called after each timed episode with the number done so far and the total. */
  readonly onEpisode?: (done: number, total: number) => void;
}

/**
 * Times every policy decoding all of `env`'s items, `rounds` passes each, interleaved episode by
 * episode: each item is decoded by every policy in turn (in list order for even items of even
 * rounds, in reverse otherwise) before the next item. Timing the policies one after the other would
 * charge a change of machine load (other processes, a garbage collection after training) to
 * whichever policy ran then; interleaved at this grain, it falls on all of them alike. Only the
 * episodes themselves are timed (`evaluateDecoding` of one item). Accuracy is not measured here
 * (the passes repeat a deterministic evaluation); run the policies once before, so that the timed
 * episodes find them warmed up.
 */
export async function timeDecoding(env: EnsembleDecodingEnv, policies: readonly Policy[], opts: TimeDecodingOptions = {}): Promise<DecodingSpeed[]> {
  const rounds = opts.rounds ?? 2;
  if (!Number.isInteger(rounds) || rounds < 1) throw new ConfigError('rounds', `${rounds} must be an integer >= 1`, 'Time each policy over 2 passes or more.');
  const tokens = policies.map(() => 0);
  const seconds = policies.map(() => 0);
  const items = env.items.length;
  const total = rounds * items * policies.length;
  let done = 0;
  for (let r = 0; r < rounds; r++) {
    for (let item = 0; item < items; item++) {
      const forward = (r + item) % 2 === 0;
      for (let k = 0; k < policies.length; k++) {
        const i = forward ? k : policies.length - 1 - k;
        const res = await evaluateDecoding(env, policies[i], { seed: opts.seed ?? 0, itemIndices: [item] });
        tokens[i] += res.tokens;
        seconds[i] += res.wallSeconds;
        opts.onEpisode?.(++done, total);
      }
    }
  }
  return policies.map((_, i) => ({
    tokens: tokens[i],
    seconds: seconds[i],
    passes: rounds,
    tokensPerSecond: seconds[i] > 0 ? tokens[i] / seconds[i] : 0,
    secondsPerPass: seconds[i] / rounds,
  }));
}
