import { ConfigError, EnsembleGymError, EnvStateError, InvalidActionError, SpaceDefinitionError } from '../core/errors.js';
import { EnsembleInputError } from '../ensemble/EnsembleInputError.js';
import { ModelClosedError, ModelInputError, ModelLoadError, ModelRequestError } from '../models/errors.js';
import { AnswerDataError } from './answerData.js';

/** An error as plain data, so it can cross a thread boundary and be rebuilt as its class. */
export interface ErrorJSON {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** Whether it was one of the package's errors (`EnsembleGymError`), also for classes this side does not know. */
  readonly typed: boolean;
  /** Its own fields (agent, value, space, hint, field, ...), the structured-cloneable ones. */
  readonly fields: Record<string, unknown>;
}

type ErrorClass = new (...args: never[]) => Error;

// The classes an env can throw, rebuilt by name on the other side.
const KNOWN: Record<string, ErrorClass> = Object.assign(Object.create(null) as Record<string, ErrorClass>, {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  EnsembleGymError,
  InvalidActionError,
  EnvStateError,
  ConfigError,
  SpaceDefinitionError,
  EnsembleInputError,
  AnswerDataError,
  ModelLoadError,
  ModelInputError,
  ModelClosedError,
  ModelRequestError,
});

/** Plain-data form of a thrown value: name, message, stack and the cloneable own fields. */
export function errorToJSON(e: unknown): ErrorJSON {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e), typed: false, fields: {} };
  const fields: Record<string, unknown> = {};
  for (const k of Object.keys(e)) {
    let v = (e as unknown as Record<string, unknown>)[k];
    try {
      structuredClone(v);
    } catch {
      v = String(v);
    }
    fields[k] = v;
  }
  return { name: e.name, message: e.message, stack: e.stack, typed: e instanceof EnsembleGymError, fields };
}

/**
 * The error `errorToJSON` describes, as the same class when it is one of the package's or a built-in
 * one (a TypeError stays a TypeError), with its message, fields and the worker's stack; a package
 * error of a class unknown here becomes an `EnsembleGymError`, anything else an `Error`, keeping the name.
 */
export function errorFromJSON(j: ErrorJSON): Error {
  const cls = KNOWN[j.name] ?? (j.typed ? EnsembleGymError : Error);
  const err = Object.create(cls.prototype as Error) as Error;
  Object.defineProperty(err, 'message', { value: j.message, writable: true, configurable: true });
  for (const [k, v] of Object.entries(j.fields)) Object.defineProperty(err, k, { value: v, enumerable: true, writable: true, configurable: true });
  if (!Object.hasOwn(j.fields, 'name')) Object.defineProperty(err, 'name', { value: j.name, writable: true, configurable: true });
  Object.defineProperty(err, 'stack', { value: `${j.stack ?? `${j.name}: ${j.message}`}\n    (in an env worker thread)`, writable: true, configurable: true });
  return err;
}
