import { EnsembleGymError } from '../core/errors.js';

/** An argument of an ensemble-layer call that is out of range, of the wrong length or not finite; names the call, the argument and the fix. */
export class EnsembleInputError extends EnsembleGymError {
  /** `call` is the function or method (e.g. `mixDistributions`), `argument` the value at fault (e.g. `dists[1][7]`). */
  constructor(
    readonly call: string,
    readonly argument: string,
    problem: string,
    fix: string,
  ) {
    super(`${call}: ${argument} ${problem}. ${fix}`);
  }
}
