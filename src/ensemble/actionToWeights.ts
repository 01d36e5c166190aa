import { ConfigError, InvalidActionError, preview } from '../core/errors.js';
import type { Rng } from '../core/Rng.js';
import { EnsembleInputError } from './EnsembleInputError.js';

/**
 * How policy outputs become ensemble weights on the simplex. Every function here takes one number
 * per agent (agent i's action), returns weights w ≥ 0 with Σw = 1 (float64), and rejects NaN/±Inf
 * with an `InvalidActionError` naming the agent, so a bad action never reaches a mixture.
 */

/** Names used in error messages: the agents in weight order and the action space's description. */
export interface WeightContext {
  readonly agents?: readonly string[];
  readonly space?: string;
}

/** Parameterisations `actionToWeights` knows (`'dirichlet'` samples, so envs take only `ActionParam`). */
export type WeightParam = ActionParam | 'dirichlet';

/** How an env turns agent i's one action number into its weight: softmax of logits, or normalised concentrations (every env's `actionParam`). */
export type ActionParam = 'softmax' | 'concentration';

function agentName(ctx: WeightContext | undefined, i: number): string {
  return ctx?.agents?.[i] ?? `agent ${i}`;
}

function check(values: ArrayLike<number>, ctx: WeightContext | undefined, what: string, hint: string, positive: boolean): void {
  if (values.length === 0)
    throw new EnsembleInputError(
      'actionToWeights',
      what,
      'is an empty list: there must be one action per agent',
      'Pass one action per agent (an ensemble has at least one model).',
    );
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || (positive && v < 0)) {
      throw new InvalidActionError(agentName(ctx, i), v, ctx?.space ?? what, hint);
    }
  }
}

function output(n: number, out?: Float64Array): Float64Array {
  if (out === undefined) return new Float64Array(n);
  if (out.length !== n)
    throw new EnsembleInputError(
      'actionToWeights',
      'out',
      `has length ${out.length}, expected ${n} (one weight per agent)`,
      'Pass an out buffer of one entry per agent, or leave it out.',
    );
  return out;
}

/** Softmax of per-agent logits (numerically stable for any finite logits). */
export function softmaxWeights(logits: ArrayLike<number>, ctx?: WeightContext, out?: Float64Array): Float64Array {
  check(logits, ctx, 'softmax logits', 'Each agent emits one finite logit; weights are their softmax.', false);
  const n = logits.length;
  const w = output(n, out);
  let mx = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i] > mx) mx = logits[i];
  let z = 0;
  for (let i = 0; i < n; i++) {
    w[i] = Math.exp(logits[i] - mx);
    z += w[i];
  }
  for (let i = 0; i < n; i++) w[i] /= z;
  return w;
}

/** Concentrations normalised to sum 1; they must be finite and ≥ 0, and all-zero gives uniform weights. */
export function concentrationWeights(conc: ArrayLike<number>, ctx?: WeightContext, out?: Float64Array): Float64Array {
  check(conc, ctx, 'concentrations', 'Each agent emits one finite concentration >= 0 (e.g. softplus of a logit).', true);
  const n = conc.length;
  const w = output(n, out);
  let z = 0;
  for (let i = 0; i < n; i++) z += conc[i];
  if (!(z > 0)) return w.fill(1 / n);
  // Rescale by the maximum first so huge finite concentrations cannot overflow the sum.
  if (!Number.isFinite(z)) {
    let mx = 0;
    for (let i = 0; i < n; i++) mx = Math.max(mx, conc[i]);
    z = 0;
    for (let i = 0; i < n; i++) z += conc[i] / mx;
    for (let i = 0; i < n; i++) w[i] = conc[i] / mx / z;
    return w;
  }
  for (let i = 0; i < n; i++) w[i] = conc[i] / z;
  return w;
}

/** Smallest concentration used for sampling; zero concentrations are raised to it (Gamma(0) is undefined). */
export const MIN_CONCENTRATION = 1e-6;

/**
 * A Dirichlet(conc) draw from `rng`. Gammas are drawn in log space (for shape < 1,
 * log G = log Gamma(shape+1) + log(U)/shape), so tiny concentrations never underflow to an all-zero
 * vector; the weights are the softmax of the log-gammas.
 */
export function dirichletWeights(conc: ArrayLike<number>, rng: Rng, ctx?: WeightContext, out?: Float64Array): Float64Array {
  check(conc, ctx, 'Dirichlet concentrations', 'Each agent emits one finite concentration >= 0 (e.g. softplus of a logit).', true);
  const n = conc.length;
  const w = output(n, out);
  for (let i = 0; i < n; i++) {
    const a = Math.min(Math.max(conc[i], MIN_CONCENTRATION), 1e12);
    if (a >= 1) w[i] = Math.log(rng.gamma(a));
    else w[i] = Math.log(rng.gamma(a + 1)) + Math.log(rng.next() || Number.MIN_VALUE) / a;
  }
  return softmaxWeights(w, ctx, w);
}

/**
 * The include mask actually used: `bits` (non-zero = included), or, when no agent is included,
 * the single agent with the largest weight (ties: the lowest index; agent 0 without weights).
 */
export function effectiveInclude(bits: ArrayLike<number>, weights?: ArrayLike<number>, out?: Uint8Array): Uint8Array {
  const n = bits.length;
  const mask = out ?? new Uint8Array(n);
  let any = false;
  for (let i = 0; i < n; i++) {
    mask[i] = bits[i] !== 0 ? 1 : 0;
    any ||= mask[i] === 1;
  }
  if (!any && n > 0) {
    let best = 0;
    if (weights) for (let i = 1; i < n; i++) if (weights[i] > weights[best]) best = i;
    mask[best] = 1;
  }
  return mask;
}

/**
 * Weights restricted to the included agents and renormalised: w_i·b_i / Σ_j w_j·b_j, with the
 * include rule of `effectiveInclude`. When the included agents' weights sum to zero they share
 * equally, so the result is always on the simplex.
 */
export function includeWeights(bits: ArrayLike<number>, weights: ArrayLike<number>, ctx?: WeightContext, out?: Float64Array): Float64Array {
  if (bits.length !== weights.length)
    throw new EnsembleInputError('includeWeights', 'bits', `has ${bits.length} include bits for ${weights.length} weights`, 'Pass one include bit per weight.');
  for (let i = 0; i < bits.length; i++) {
    if (bits[i] !== 0 && bits[i] !== 1)
      throw new InvalidActionError(agentName(ctx, i), bits[i], ctx?.space ?? 'include bits (0 or 1)', 'Include bits are 0 (leave out) or 1 (include).');
  }
  check(weights, ctx, 'weights', 'Weights must be finite and >= 0.', true);
  const n = bits.length;
  const mask = effectiveInclude(bits, weights);
  const w = output(n, out);
  let z = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    w[i] = mask[i] ? weights[i] : 0;
    z += w[i];
    count += mask[i];
  }
  if (!(z > 0) || !Number.isFinite(z)) {
    for (let i = 0; i < n; i++) w[i] = mask[i] / count;
    return w;
  }
  for (let i = 0; i < n; i++) w[i] /= z;
  return w;
}

/** Weights from one action value per agent under `param` (`rng` is needed for `'dirichlet'`). */
export function actionToWeights(
  param: WeightParam,
  actions: ArrayLike<number>,
  opts: { rng?: Rng; ctx?: WeightContext; out?: Float64Array } = {},
): Float64Array {
  switch (param) {
    case 'softmax':
      return softmaxWeights(actions, opts.ctx, opts.out);
    case 'concentration':
      return concentrationWeights(actions, opts.ctx, opts.out);
    case 'dirichlet':
      if (!opts.rng)
        throw new EnsembleInputError(
          'actionToWeights',
          'opts.rng',
          "is missing: 'dirichlet' samples its weights",
          "Pass { rng } (a seeded Rng), or use 'softmax' or 'concentration'.",
        );
      return dirichletWeights(actions, opts.rng, opts.ctx, opts.out);
    default:
      // Reachable from JavaScript or from unchecked config files, where the type does not hold.
      throw new ConfigError('param', `unknown weight parameterisation ${preview(param)}`, "Use 'softmax', 'concentration' or 'dirichlet'.");
  }
}
