import { EnsembleGymError } from '../core/errors.js';

/** A model directory, tokenizer file, replay file or graph that cannot be used; names the file (and field) and the fix. */
export class ModelLoadError extends EnsembleGymError {
  /** `file` is the path (or URL) at fault, `field` the JSON field / graph name / line when one is to blame. */
  constructor(
    readonly file: string,
    problem: string,
    fix: string,
    readonly field?: string,
  ) {
    super(`${file}${field === undefined ? '' : ` (${field})`}: ${problem}. ${fix}`);
  }
}

/** A request a model cannot serve: token ids out of range, a sequence longer than the context, a prompt the replay lacks. */
export class ModelInputError extends EnsembleGymError {
  /** `model` is the adapter id. */
  constructor(
    readonly model: string,
    problem: string,
    fix: string,
  ) {
    super(`model "${model}": ${problem}. ${fix}`);
  }
}

/** A call on a session or adapter after `dispose()` / `close()`. */
export class ModelClosedError extends EnsembleGymError {
  /** `what` says which object was closed (e.g. `session of model "tiny"`). */
  constructor(readonly what: string) {
    super(`${what} was already disposed/closed. Start a new session (adapter.start(prompt)) or load the model again.`);
  }
}

/**
 * A remote model request that failed: HTTP 4xx/5xx, a malformed body, a timeout or a dropped connection.
 * Never contains the API key. `retryable` says whether retrying could help.
 */
export class ModelRequestError extends EnsembleGymError {
  /** `url` is the endpoint, `status` the HTTP status (undefined for network errors and timeouts). */
  constructor(
    readonly url: string,
    readonly status: number | undefined,
    problem: string,
    fix: string,
    readonly retryable: boolean,
    /** Delay the server asked for (Retry-After), when it gave one. */
    readonly retryAfterMs?: number,
  ) {
    super(`request to ${url}${status === undefined ? '' : ` (HTTP ${status})`}: ${problem}. ${fix}`);
  }
}

/** An optional package an adapter needs is not installed; the message names the install command. */
export class ModelDependencyError extends EnsembleGymError {
  /** `pkg` is the missing package, `install` the command that adds it. */
  constructor(
    readonly pkg: string,
    readonly install: string,
    what: string,
  ) {
    super(`${what} needs the optional package "${pkg}", which is not installed. Run \`${install}\` in your project.`);
  }
}
