/** Base class of every error this package throws on purpose; `instanceof` tells ours from bugs. */
export class EnsembleGymError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An action that is not in the agent's action space (NaN, wrong shape, unknown agent, ...). */
export class InvalidActionError extends EnsembleGymError {
  /** Names the agent, the value and the space, and says what a valid action looks like. */
  constructor(
    readonly agent: string,
    readonly value: unknown,
    readonly space: string,
    readonly hint: string,
  ) {
    super(`invalid action for agent "${agent}": ${preview(value)} is not in ${space}. ${hint}`);
  }
}

/** An agent name that is not in the env's `possibleAgents` (asked for its spaces, or anything else per agent). */
export class UnknownAgentError extends EnsembleGymError {
  /** Names the agent and lists the env's agents. */
  constructor(
    readonly agent: string,
    readonly possibleAgents: readonly string[],
  ) {
    super(`unknown agent "${agent}": this env has agents ${possibleAgents.join(', ')}. Use one of env.possibleAgents.`);
  }
}

/** A call the env cannot take in its current state (step before reset, after the episode ended, after close). */
export class EnvStateError extends EnsembleGymError {}

/** A configuration value that is missing, out of range or of the wrong type; names the field and the fix. */
export class ConfigError extends EnsembleGymError {
  /** `field` is the config path (e.g. `ppo.clipCoef`), `fix` what to set instead. */
  constructor(
    readonly field: string,
    problem: string,
    fix: string,
  ) {
    super(`config field "${field}": ${problem}. ${fix}`);
  }
}

/** A space built with bad parameters (Box bounds or shape, Discrete n, ...); names the space, the argument and the fix. */
export class SpaceDefinitionError extends EnsembleGymError {
  /** `space` is the class (e.g. `Box`), `argument` the constructor argument at fault (e.g. `low[2]`). */
  constructor(
    readonly space: string,
    readonly argument: string,
    problem: string,
    fix: string,
  ) {
    super(`${space} argument "${argument}": ${problem}. ${fix}`);
  }
}

/** Short printable form of any value for error messages (never huge, never throws). */
export function preview(value: unknown, max = 80): string {
  let s: string;
  try {
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      s = `${value.constructor.name}[${Array.from(value as unknown as ArrayLike<number>).join(', ')}]`;
    } else if (typeof value === 'number' || typeof value === 'bigint') s = String(value);
    else if (value === undefined) s = 'undefined';
    else {
      // Typed arrays nested in records print as lists, not as {"0": ...} objects.
      const plain = (_k: string, v: unknown): unknown =>
        ArrayBuffer.isView(v) && !(v instanceof DataView)
          ? Array.from(v as unknown as ArrayLike<number>)
          : typeof v === 'number' && !Number.isFinite(v)
            ? String(v)
            : v;
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- only functions and symbols reach String here
      s = JSON.stringify(value, plain) ?? String(value);
    }
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}
