import { EnsembleGymError, EnvStateError, InvalidActionError, preview } from './errors.js';
import { hasGlobalState, type ParallelEnv } from './ParallelEnv.js';
import { Rng } from './Rng.js';
import { Box, type Space } from './spaces.js';

/** Stable ids of the properties `checkParallelEnv` verifies (tests and users match on these). */
export const ENV_CHECK_PROPERTIES = [
  'possible-agents',
  'metadata',
  'spaces-are-spaces',
  'spaces-stable',
  'space-sample-contained',
  'step-before-reset',
  'valid-calls-succeed',
  'reset-keys',
  'obs-in-space',
  'step-keys',
  'reward-finite',
  'done-flags-boolean',
  'infos-objects',
  'done-agents-removed',
  'obs-not-aliased',
  'actions-not-mutated',
  'episode-ends',
  'step-after-end',
  'invalid-action-throws',
  'invalid-action-keeps-state',
  'determinism',
  'state-in-space',
  'close-idempotent',
] as const;

/** One property id of `ENV_CHECK_PROPERTIES`. */
export type EnvCheckProperty = (typeof ENV_CHECK_PROPERTIES)[number];

/** A failed property with a message that says what was seen and how to fix it. */
export interface EnvCheckProblem {
  readonly property: EnvCheckProperty;
  readonly message: string;
}

/** Result of `checkParallelEnv`: `ok` iff `problems` is empty; `checked` lists the properties that ran. */
export interface EnvCheckReport {
  readonly ok: boolean;
  readonly problems: readonly EnvCheckProblem[];
  readonly checked: readonly EnvCheckProperty[];
}

/** Options of `checkParallelEnv`. */
export interface EnvCheckOptions {
  /** Seed of `reset` and of the random actions (default 42). */
  readonly seed?: number;
  /** Steps compared between the two same-seed runs, resetting whenever an episode ends (default 100). */
  readonly steps?: number;
  /** Longest episode the checker waits for before reporting `episode-ends` (default 1000). */
  readonly maxEpisodeSteps?: number;
  /** Properties not to check (e.g. `'step-before-reset'` when passing an env that was already reset). */
  readonly skip?: readonly EnvCheckProperty[];
}

/** An env, or a factory of fresh envs (preferred: it lets the checker compare two independent instances). */
export type EnvUnderCheck<Obs, Act, Agent extends string> =
  ParallelEnv<Obs, Act, Agent> | (() => ParallelEnv<Obs, Act, Agent> | Promise<ParallelEnv<Obs, Act, Agent>>);

/** Thrown by `assertParallelEnv`; the message lists every failed property. */
export class EnvCheckError extends EnsembleGymError {
  /** Keeps the structured problems next to the readable message. */
  constructor(readonly problems: readonly EnvCheckProblem[]) {
    super(formatProblems(problems));
  }
}

type Env = ParallelEnv<unknown, unknown, string>;
type Rec = Record<string, unknown>;

interface TraceEntry {
  readonly call: string;
  readonly actions?: Rec;
  readonly result: unknown;
  readonly agents: readonly string[];
  readonly state?: unknown;
}

interface Rollout {
  readonly trace: TraceEntry[];
  readonly aborted: boolean;
}

const FIX = {
  keys: 'Fix: return one entry per agent that acted (the agents of env.agents before the step), including agents that terminate or truncate in this step, and no others.',
  seed: 'Fix: draw every random number from an Rng created in reset({seed}) (never from a global, shared or time-based source) and rebuild all episode state in reset.',
  invalid:
    'Fix: validate the whole action record (unknown or missing agents, actionSpace(agent).explain(action)) before changing any state, and throw InvalidActionError(agent, action, String(space), hint).',
} as const;

/** Printable multi-line summary of problems (`[property] message` per line). */
export function formatProblems(problems: readonly EnvCheckProblem[]): string {
  if (problems.length === 0) return 'checkParallelEnv: all properties hold';
  return `checkParallelEnv found ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `- [${p.property}] ${p.message}`).join('\n')}`;
}

/** Deep copy of plain data (typed arrays, arrays, plain objects, primitives) so later mutation shows up. */
function clone(x: unknown): unknown {
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return (x as unknown as { slice(): unknown }).slice();
  if (Array.isArray(x)) return x.map(clone);
  if (typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype) {
    const out: Rec = {};
    for (const [k, v] of Object.entries(x)) out[k] = clone(v);
    return out;
  }
  return x;
}

/** Path and values of the first difference between `a` and `b`, or null when they are equal as data. */
export function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  const at = path || '(value)';
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b)) ? null : `${at}: ${a} vs ${b}`;
  const aView = ArrayBuffer.isView(a) && !(a instanceof DataView);
  const bView = ArrayBuffer.isView(b) && !(b instanceof DataView);
  if (aView || bView || Array.isArray(a) || Array.isArray(b)) {
    if (aView !== bView || Array.isArray(a) !== Array.isArray(b) || (aView && a.constructor !== b?.constructor)) return `${at}: ${preview(a)} vs ${preview(b)}`;
    const xa = a as ArrayLike<unknown>,
      xb = b as ArrayLike<unknown>;
    if (xa.length !== xb.length) return `${at}: length ${xa.length} vs ${xb.length}`;
    for (let i = 0; i < xa.length; i++) {
      const d = firstDifference(xa[i], xb[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ka = Object.keys(a).sort(),
      kb = Object.keys(b).sort();
    if (ka.join('\u0000') !== kb.join('\u0000')) return `${at}: keys [${ka.join(', ')}] vs [${kb.join(', ')}]`;
    for (const k of ka) {
      const d = firstDifference((a as Rec)[k], (b as Rec)[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
    return null;
  }
  return Object.is(a, b) ? null : `${at}: ${preview(a)} vs ${preview(b)}`;
}

function isSpace(x: unknown): x is Space {
  const s = x as Partial<Space> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    Array.isArray(s.shape) &&
    typeof s.flatDim === 'number' &&
    ['sample', 'contains', 'explain', 'flatten', 'unflatten'].every((m) => typeof (s as Rec)[m] === 'function')
  );
}

function errorText(e: unknown): string {
  return (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).replace(/\.+$/, '');
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000');
const list = (xs: readonly string[]): string => `[${xs.map((x) => `"${x}"`).join(', ')}]`;

/** Copy of an action with one number set to NaN (recursing into records). */
function withNaN(v: unknown): unknown {
  if (typeof v === 'number') return NaN;
  if (ArrayBuffer.isView(v) || Array.isArray(v)) {
    const f = Float32Array.from(v as ArrayLike<number>);
    return f.length === 0 ? Float32Array.of(NaN) : ((f[0] = NaN), f);
  }
  if (typeof v === 'object' && v !== null) {
    const k = Object.keys(v)[0];
    return k === undefined ? NaN : { ...(v as Rec), [k]: withNaN((v as Rec)[k]) };
  }
  return NaN;
}

/** Copy of an action with one entry too many (or, for records, one key missing). */
function withWrongLength(v: unknown): unknown {
  if (typeof v === 'number') return [v, v];
  if (ArrayBuffer.isView(v) || Array.isArray(v)) {
    const src = v as ArrayLike<number>;
    const f = new Float32Array(src.length + 1);
    f.set(Array.from(src));
    return f;
  }
  if (typeof v === 'object' && v !== null) {
    const [first, ...rest] = Object.keys(v);
    if (first === undefined) return [0];
    return Object.fromEntries(rest.map((k) => [k, (v as Rec)[k]]));
  }
  return [v, v];
}

/** Collects problems, one entry per property and message kind, counting repeats instead of flooding. */
class Problems {
  private readonly byKey = new Map<string, { problem: EnvCheckProblem; count: number }>();
  readonly checked = new Set<EnvCheckProperty>();

  constructor(private readonly skip: ReadonlySet<EnvCheckProperty>) {}

  /** Whether `p` is to be checked (not skipped); marks it as checked. */
  wants(p: EnvCheckProperty): boolean {
    if (this.skip.has(p)) return false;
    this.checked.add(p);
    return true;
  }

  /** Records a problem; `key` groups repeats of the same kind (defaults to the property). */
  add(property: EnvCheckProperty, message: string, key: string = property): void {
    if (this.skip.has(property)) return;
    const k = `${property}\u0000${key}`;
    const seen = this.byKey.get(k);
    if (seen) seen.count += 1;
    else this.byKey.set(k, { problem: { property, message }, count: 1 });
  }

  /** Whether a problem of property `p` was recorded. */
  has(p: EnvCheckProperty): boolean {
    return [...this.byKey.values()].some((v) => v.problem.property === p);
  }

  /** The problems found, with a `(seen n times)` suffix on repeated ones. */
  list(): EnvCheckProblem[] {
    return [...this.byKey.values()].map(({ problem, count }) =>
      count > 1 ? { property: problem.property, message: `${problem.message} (seen ${count} times)` } : problem,
    );
  }
}

/** Checks that can run on any result of reset or step. */
class Checker {
  constructor(
    private readonly env: Env,
    private readonly p: Problems,
  ) {}

  /** Records each observation of a known agent that is outside its space. */
  observations(obs: Rec, where: string): void {
    for (const [agent, o] of Object.entries(obs)) {
      if (!this.env.possibleAgents.includes(agent)) continue;
      const space = this.env.observationSpace(agent);
      const why = space.explain(o);
      if (why !== null) {
        this.p.add(
          'obs-in-space',
          `observation for agent "${agent}" ${where} is not in ${space}: ${why} (got ${preview(o)}). Fix: build observations that fit observationSpace(agent) (same length and type, finite, clipped to the bounds), or widen the space.`,
          agent,
        );
      }
    }
  }

  /** Checks `state()` against `stateSpace` (when the env has a global state) and returns a copy of it. */
  state(where: string): unknown {
    if (!hasGlobalState(this.env)) return undefined;
    const env = this.env;
    if (!this.p.wants('state-in-space')) return undefined;
    if (!(env.stateSpace instanceof Box)) {
      this.p.add('state-in-space', `stateSpace is ${preview(env.stateSpace)}, not a Box. Fix: declare stateSpace as a Box of the flat global state.`, 'box');
      return undefined;
    }
    let s: unknown;
    try {
      s = env.state();
    } catch (e) {
      this.p.add('state-in-space', `state() ${where} threw ${errorText(e)}. Fix: state() must work whenever reset has been called.`, 'throws');
      return undefined;
    }
    const why = env.stateSpace.explain(s);
    if (why !== null) {
      this.p.add(
        'state-in-space',
        `state() ${where} is not in ${env.stateSpace}: ${why}. Fix: return a Float32Array that fits stateSpace (length ${env.stateSpace.flatDim}, within bounds, finite).`,
        'contained',
      );
    }
    if (!(s instanceof Float32Array)) {
      this.p.add('state-in-space', `state() ${where} returned ${preview(s)}, not a Float32Array. Fix: return a Float32Array.`, 'type');
    }
    return clone(s);
  }

  /** Checks a reset result's shape, its keys against `env.agents` and its observations. */
  reset(res: unknown, where: string): void {
    const agents = [...this.env.agents];
    const r = res as { observations?: unknown; infos?: unknown } | null;
    if (
      typeof r !== 'object' ||
      r === null ||
      typeof r.observations !== 'object' ||
      r.observations === null ||
      typeof r.infos !== 'object' ||
      r.infos === null
    ) {
      this.p.add('reset-keys', `reset() ${where} returned ${preview(res)}. Fix: return { observations, infos }, both records keyed by agent.`, 'shape');
      return;
    }
    if (agents.length === 0) this.p.add('reset-keys', `env.agents is empty after reset() ${where}. Fix: reset must make at least one agent live.`, 'empty');
    const unknown = agents.filter((a) => !this.env.possibleAgents.includes(a));
    if (unknown.length > 0)
      this.p.add(
        'reset-keys',
        `env.agents after reset() ${where} holds ${list(unknown)}, which are not in possibleAgents. Fix: only use agents from possibleAgents.`,
        'unknown',
      );
    for (const name of ['observations', 'infos'] as const) {
      const keys = Object.keys(r[name] as Rec);
      if (!sameSet(keys, agents)) {
        this.p.add(
          'reset-keys',
          `reset() ${where} returned ${name} for ${list(keys)} but env.agents is ${list(agents)}. Fix: return exactly one entry per live agent.`,
          name,
        );
      }
    }
    this.observations(r.observations as Rec, `after reset() ${where}`);
  }

  /** Checks a step result's shape, its keys against the acting agents, its values and its observations. */
  step(res: unknown, acting: readonly string[], where: string): void {
    const r = res as Record<string, unknown> | null;
    const names = ['observations', 'rewards', 'terminations', 'truncations', 'infos'] as const;
    if (typeof r !== 'object' || r === null || names.some((n) => typeof r[n] !== 'object' || r[n] === null)) {
      this.p.add(
        'step-keys',
        `step() ${where} returned ${preview(res)}. Fix: return { observations, rewards, terminations, truncations, infos }, each a record keyed by agent.`,
        'shape',
      );
      return;
    }
    for (const n of names) {
      const keys = Object.keys(r[n] as Rec);
      if (!sameSet(keys, acting))
        this.p.add('step-keys', `step() ${where} returned ${n} for ${list(keys)} but the agents that acted were ${list(acting)}. ${FIX.keys}`, n);
    }
    const rewards = r.rewards as Rec,
      terms = r.terminations as Rec,
      truncs = r.truncations as Rec,
      infos = r.infos as Rec;
    for (const [a, v] of Object.entries(rewards)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        this.p.add(
          'reward-finite',
          `reward of agent "${a}" ${where} is ${preview(v)}. Fix: return a finite number for every reward (guard divisions and logs, clip scores).`,
          a,
        );
      }
    }
    for (const [n, rec] of [
      ['terminations', terms],
      ['truncations', truncs],
    ] as const) {
      for (const [a, v] of Object.entries(rec)) {
        if (typeof v !== 'boolean') this.p.add('done-flags-boolean', `${n}["${a}"] ${where} is ${preview(v)}, not a boolean. Fix: return true or false.`, n);
      }
    }
    for (const [a, v] of Object.entries(infos)) {
      if (typeof v !== 'object' || v === null || Array.isArray(v))
        this.p.add('infos-objects', `infos["${a}"] ${where} is ${preview(v)}. Fix: return an object (use {} when there is nothing to report).`, a);
    }
    this.observations(r.observations as Rec, `after step() ${where}`);
    const live = [...this.env.agents];
    for (const a of acting) {
      if ((terms[a] === true || truncs[a] === true) && live.includes(a)) {
        this.p.add(
          'done-agents-removed',
          `agent "${a}" ${terms[a] === true ? 'terminated' : 'truncated'} ${where} but is still in env.agents (${list(live)}). Fix: remove agents from env.agents in the step where they terminate or truncate.`,
          a,
        );
      }
    }
    const unknown = live.filter((a) => !this.env.possibleAgents.includes(a));
    if (unknown.length > 0)
      this.p.add(
        'done-agents-removed',
        `env.agents ${where} holds ${list(unknown)}, not in possibleAgents. Fix: only use agents from possibleAgents.`,
        'unknown',
      );
  }
}

/** Samples one valid action per live agent from each action space, with the checker's generator. */
function sampleActions(env: Env, agents: readonly string[], rng: Rng): Rec {
  const actions: Rec = {};
  for (const a of agents) actions[a] = env.actionSpace(a).sample(rng);
  return actions;
}

/**
 * Runs `steps` seeded random steps from `reset({seed})`, resetting (without a seed) when an episode ends;
 * records every result. With a `checker`, checks every result on the way. Both runs of the determinism
 * check go through here, so they make exactly the same calls.
 */
async function rollout(env: Env, seed: number, steps: number, maxEpisodeSteps: number, p: Problems, checker: Checker | null): Promise<Rollout> {
  const rng = new Rng(`${seed}/actions`);
  const trace: TraceEntry[] = [];
  const fail = (call: string, e: unknown): Rollout => {
    if (checker)
      p.add(
        'valid-calls-succeed',
        `${call} threw ${errorText(e)}. Fix: valid calls (reset, then step with actions sampled from each agent's actionSpace) must not throw.`,
        call,
      );
    return { trace, aborted: true };
  };
  let episode = 0,
    episodeStep = 0,
    stepped = 0;
  let endChecked = false;
  let last: { original: unknown; copy: unknown; where: string } | null = null;
  const where = (): string => `(episode ${episode}, step ${episodeStep})`;
  const readState = (w: string): unknown => {
    if (checker) return checker.state(w);
    if (!hasGlobalState(env)) return undefined;
    try {
      return clone(env.state());
    } catch (e) {
      return errorText(e);
    }
  };
  let res: unknown;
  try {
    res = await env.reset({ seed });
  } catch (e) {
    return fail(`reset({ seed: ${seed} })`, e);
  }
  checker?.reset(res, `with seed ${seed}`);
  trace.push({ call: `reset({ seed: ${seed} })`, result: clone(res), agents: [...env.agents], state: readState('after reset') });
  // Keep going past `steps` until one episode has ended, so step-after-end gets checked.
  while (stepped < steps || !endChecked) {
    const acting = [...env.agents];
    if (acting.length === 0) {
      if (!endChecked) {
        endChecked = true;
        if (checker && p.wants('step-after-end')) {
          try {
            await env.step({});
            p.add(
              'step-after-end',
              `step({}) after the episode ended ${where()} did not throw. Fix: once env.agents is empty, step must throw EnvStateError('... call reset() first').`,
            );
          } catch (e) {
            if (!(e instanceof EnvStateError))
              p.add(
                'step-after-end',
                `step({}) after the episode ended threw ${errorText(e)} instead of EnvStateError. Fix: throw EnvStateError when no agent is live.`,
              );
          }
        }
      }
      if (stepped >= steps) break;
      episode += 1;
      episodeStep = 0;
      try {
        res = await env.reset();
      } catch (e) {
        return fail('reset()', e);
      }
      checker?.reset(res, `(episode ${episode})`);
      trace.push({ call: `reset() (episode ${episode})`, result: clone(res), agents: [...env.agents], state: readState(`after reset() (episode ${episode})`) });
      continue;
    }
    if (episodeStep >= maxEpisodeSteps) {
      if (checker)
        p.add(
          'episode-ends',
          `no episode ended within ${maxEpisodeSteps} steps, so step-after-end could not be checked. Fix: end episodes by truncation after a time limit, or raise maxEpisodeSteps.`,
        );
      break;
    }
    const actions = sampleActions(env, acting, rng);
    const sent = clone(actions) as Rec;
    const w = where();
    try {
      res = await env.step(actions);
    } catch (e) {
      return fail(`step() ${w}`, e);
    }
    if (checker) {
      checker.step(res, acting, w);
      if (p.wants('actions-not-mutated')) {
        const d = firstDifference(sent, actions);
        if (d) p.add('actions-not-mutated', `step() ${w} changed the actions it was given (${d}). Fix: treat actions as read-only; copy before transforming.`);
      }
      if (last && p.wants('obs-not-aliased')) {
        const d = firstDifference(last.copy, last.original);
        if (d)
          p.add(
            'obs-not-aliased',
            `the observations returned ${last.where} changed during the next step (${d}). Fix: return a fresh array for every observation instead of reusing an internal buffer.`,
          );
      }
      const observations = (res as { observations?: unknown } | null)?.observations;
      last = { original: observations, copy: clone(observations), where: w };
    }
    trace.push({ call: `step() ${w}`, actions: sent, result: clone(res), agents: [...env.agents], state: readState(`after step() ${w}`) });
    episodeStep += 1;
    stepped += 1;
  }
  return { trace, aborted: false };
}

/** Tries each kind of invalid action at step `k` of the first episode; a valid env throws and keeps its state. */
async function checkInvalidActions(env: Env, seed: number, reference: TraceEntry[], p: Problems, verifyState: boolean): Promise<void> {
  // First-episode steps of the reference: trace[1..end] until the episode ends.
  const steps: TraceEntry[] = [];
  for (const t of reference.slice(1)) {
    if (!t.actions) break;
    steps.push(t);
    if (t.agents.length === 0) break;
  }
  if (steps.length === 0) return;
  const k = steps.length >= 2 ? 1 : 0;
  const base = steps[k].actions as Rec;
  const agent = Object.keys(base)[0];
  if (agent === undefined) return;
  const space = env.actionSpace(agent);
  const stranger = ['not-an-agent', 'not-an-agent-2'].find((a) => !env.possibleAgents.includes(a)) ?? '\u0000';
  const kinds: { kind: string; actions: Rec }[] = [];
  const nan = withNaN(base[agent]);
  if (!space.contains(nan)) kinds.push({ kind: `NaN in the action of agent "${agent}"`, actions: { ...base, [agent]: nan } });
  const long = withWrongLength(base[agent]);
  if (!space.contains(long)) kinds.push({ kind: `wrong length/shape for agent "${agent}"`, actions: { ...base, [agent]: long } });
  kinds.push({ kind: `an action for unknown agent "${stranger}"`, actions: { ...base, [stranger]: clone(base[agent]) } });
  const { [agent]: _dropped, ...missing } = base;
  kinds.push({ kind: `no action for live agent "${agent}"`, actions: missing });

  for (const { kind, actions } of kinds) {
    try {
      await env.reset({ seed });
      for (let i = 0; i < k; i++) await env.step(clone(steps[i].actions) as Rec);
    } catch (e) {
      p.add('valid-calls-succeed', `replaying the seeded run threw ${errorText(e)}. Fix: valid calls must not throw.`, 'replay');
      return;
    }
    const agentsBefore = [...env.agents];
    let accepted = false;
    try {
      await env.step(actions);
      accepted = true;
      p.add('invalid-action-throws', `step() accepted ${kind} (${preview(actions)}). ${FIX.invalid}`, kind);
    } catch (e) {
      if (!(e instanceof InvalidActionError))
        p.add('invalid-action-throws', `step() with ${kind} threw ${errorText(e)} instead of InvalidActionError. ${FIX.invalid}`, kind);
    }
    if (accepted || !verifyState || !p.wants('invalid-action-keeps-state')) continue;
    const keep = (detail: string): void =>
      p.add(
        'invalid-action-keeps-state',
        `after rejecting ${kind}, ${detail}. ${FIX.invalid} A rejected step must leave the env exactly as before (no random draws, no counters).`,
        kind,
      );
    if (!sameSet(agentsBefore, env.agents)) {
      keep(`env.agents changed from ${list(agentsBefore)} to ${list([...env.agents])}`);
      continue;
    }
    for (let i = k; i < Math.min(steps.length, k + 2); i++) {
      let res: unknown;
      try {
        res = await env.step(clone(steps[i].actions) as Rec);
      } catch (e) {
        keep(`the next valid step threw ${errorText(e)}`);
        break;
      }
      const d = firstDifference(steps[i].result, res);
      if (d) {
        keep(`the next valid step differs from a run that never got the invalid action (${d})`);
        break;
      }
    }
  }
}

/** Fast checks of names, metadata and spaces; false when the spaces are too broken to step with. */
function checkStatic(env: Env, p: Problems, seed: number): boolean {
  if (p.wants('possible-agents')) {
    const agents = env.possibleAgents as unknown;
    if (!Array.isArray(agents) || agents.length === 0) {
      p.add('possible-agents', `possibleAgents is ${preview(agents)}. Fix: list every agent name the env can ever have (a non-empty string array).`);
      return false;
    }
    if (agents.some((a) => typeof a !== 'string'))
      p.add('possible-agents', `possibleAgents ${preview(agents)} holds non-strings. Fix: name agents with strings.`);
    const dup = agents.filter((a, i) => agents.indexOf(a) !== i);
    if (dup.length > 0) p.add('possible-agents', `possibleAgents repeats ${list(dup)}. Fix: give every agent a unique name.`);
  }
  if (p.wants('metadata')) {
    const m = env.metadata as unknown as Rec | undefined;
    if (
      typeof m !== 'object' ||
      m === null ||
      typeof m.name !== 'string' ||
      !['none', 'next-step', 'same-step'].includes(m.autoreset as string) ||
      !Array.isArray(m.renderModes)
    ) {
      p.add(
        'metadata',
        `metadata is ${preview(m)}. Fix: set metadata = { name: string, renderModes: string[], autoreset: 'none' | 'next-step' | 'same-step' }.`,
      );
    }
  }
  let spacesOk = true;
  const rng = new Rng(`${seed}/spaces`);
  for (const agent of env.possibleAgents) {
    for (const kind of ['observationSpace', 'actionSpace'] as const) {
      let s1: unknown, s2: unknown;
      try {
        s1 = env[kind](agent);
        s2 = env[kind](agent);
      } catch (e) {
        p.wants('spaces-are-spaces');
        p.add(
          'spaces-are-spaces',
          `${kind}("${agent}") threw ${errorText(e)}. Fix: return a Space for every agent of possibleAgents, before and after reset.`,
          kind,
        );
        spacesOk = false;
        continue;
      }
      if (p.wants('spaces-are-spaces') && !isSpace(s1)) {
        p.add(
          'spaces-are-spaces',
          `${kind}("${agent}") returned ${preview(s1)}, not a Space. Fix: return a Box, Discrete, MultiDiscrete, MultiBinary, Simplex or Dict from core/spaces.`,
          kind,
        );
        spacesOk = false;
        continue;
      }
      if (p.wants('spaces-stable') && s1 !== s2) {
        p.add(
          'spaces-stable',
          `${kind}("${agent}") returned a different object on a second call. Fix: build spaces once (in the constructor) and return the same object every time.`,
          kind,
        );
      }
      if (isSpace(s1) && p.wants('space-sample-contained')) {
        for (let i = 0; i < 20; i++) {
          const x = s1.sample(rng);
          const why = s1.explain(x);
          if (why !== null) {
            p.add(
              'space-sample-contained',
              `${kind}("${agent}").sample() gave ${preview(x)}, which its own space ${s1} rejects: ${why}. Fix: make sample() and contains() of the space agree.`,
              kind,
            );
            break;
          }
        }
      }
    }
  }
  return spacesOk;
}

/**
 * Checks a ParallelEnv against the API contract (PettingZoo's parallel_api_test and Gymnasium's env
 * checker in one): names and spaces, reset/step records, observations in their spaces, finite rewards,
 * done agents leaving, errors for bad calls and invalid actions (with the state left untouched), global
 * state, and determinism of two same-seed runs. Never throws for env bugs: every failure is a problem
 * in the report, named by a stable property id, whose message says how to fix it.
 *
 * Pass a factory (`() => new MyEnv()`) when possible; an env instance must be freshly constructed
 * (or skip `'step-before-reset'`), and is not closed by the checker.
 */
export async function checkParallelEnv<Obs, Act, Agent extends string>(
  target: EnvUnderCheck<Obs, Act, Agent>,
  opts: EnvCheckOptions = {},
): Promise<EnvCheckReport> {
  const seed = opts.seed ?? 42;
  const steps = opts.steps ?? 100;
  const maxEpisodeSteps = opts.maxEpisodeSteps ?? 1000;
  const p = new Problems(new Set(opts.skip ?? []));
  const make = typeof target === 'function' ? async (): Promise<Env> => (await target()) as unknown as Env : null;
  const created: Env[] = [];
  const fresh = async (): Promise<Env> => {
    const env = make ? await make() : (target as unknown as Env);
    if (make) created.push(env);
    return env;
  };
  const report = (): EnvCheckReport => {
    const problems = p.list();
    return { ok: problems.length === 0, problems, checked: ENV_CHECK_PROPERTIES.filter((x) => p.checked.has(x)) };
  };

  const run = async (): Promise<void> => {
    const env = await fresh();
    if (!checkStatic(env, p, seed)) return;
    if (p.wants('step-before-reset')) {
      try {
        await env.step(sampleActions(env, env.possibleAgents, new Rng(`${seed}/before-reset`)));
        p.add(
          'step-before-reset',
          'step() before any reset() did not throw. Fix: throw EnvStateError("step() called before reset(): call reset({seed}) first") until reset has run.',
        );
      } catch (e) {
        if (!(e instanceof EnvStateError))
          p.add(
            'step-before-reset',
            `step() before any reset() threw ${errorText(e)} instead of EnvStateError. Fix: check that reset has run before validating actions.`,
          );
      }
    }
    p.wants('valid-calls-succeed');
    ['reset-keys', 'obs-in-space', 'step-keys', 'reward-finite', 'done-flags-boolean', 'infos-objects', 'done-agents-removed', 'episode-ends'].forEach((x) =>
      p.wants(x as EnvCheckProperty),
    );
    const checker = new Checker(env, p);
    const a = await rollout(env, seed, steps, maxEpisodeSteps, p, checker);
    if (a.aborted) return;

    let deterministic = true;
    if (p.wants('determinism')) {
      const envB = make ? await fresh() : env;
      const b = await rollout(envB, seed, steps, maxEpisodeSteps, p, null);
      const n = Math.min(a.trace.length, b.trace.length);
      for (let i = 0; i < n; i++) {
        const ta = a.trace[i],
          tb = b.trace[i];
        const d = firstDifference(ta.result, tb.result) ?? firstDifference(ta.agents, tb.agents, 'agents') ?? firstDifference(ta.state, tb.state, 'state()');
        if (d || ta.call !== tb.call) {
          p.add(
            'determinism',
            `two runs with reset({ seed: ${seed} }) and the same seeded actions differ at call ${i}, ${ta.call}: ${d ?? `${ta.call} vs ${tb.call}`}. ${FIX.seed} (invalid-action-keeps-state is not verified until this holds.)`,
          );
          deterministic = false;
          break;
        }
      }
      if (deterministic && b.aborted) {
        p.add('determinism', `the second seeded run threw where the first did not. ${FIX.seed}`);
        deterministic = false;
      }
    }
    if (p.wants('invalid-action-throws')) {
      const verify = deterministic && !p.has('valid-calls-succeed');
      await checkInvalidActions(make ? await fresh() : env, seed, a.trace, p, verify);
    }
  };
  try {
    await run();
  } catch (e) {
    // A bug in a space method or a getter surfaces here; report it rather than crash the caller's test.
    p.wants('valid-calls-succeed');
    p.add('valid-calls-succeed', `the env threw ${errorText(e)} during the check. Fix: valid calls (spaces, reset, step, state) must not throw.`, 'unexpected');
  }
  const checkClose = make !== null && p.wants('close-idempotent');
  for (const e of created) {
    try {
      await e.close();
      if (checkClose) await e.close();
    } catch (err) {
      p.add(
        'close-idempotent',
        `close() ${checkClose ? 'called twice ' : ''}threw ${errorText(err)}. Fix: close() must not throw, and must be a no-op when already closed.`,
      );
    }
  }
  return report();
}

/** Like `checkParallelEnv`, but throws an `EnvCheckError` listing every failed property. */
export async function assertParallelEnv<Obs, Act, Agent extends string>(target: EnvUnderCheck<Obs, Act, Agent>, opts: EnvCheckOptions = {}): Promise<void> {
  const r = await checkParallelEnv(target, opts);
  if (!r.ok) throw new EnvCheckError(r.problems);
}
