import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EnsembleGymError } from '../core/errors.js';
import { writeFileAtomicSync } from '../core/writeFileAtomic.js';
import type { AlgorithmState, EnvCopies, OnPolicyAlgorithm } from './OnPolicyAlgorithm.js';
import { makeAlgorithm, type AnyParallelEnv } from './makeAlgorithm.js';

/** A checkpoint that cannot be used: unreadable, corrupt (checksum), of another format, or not matching the run. */
export class CheckpointError extends EnsembleGymError {
  /** `path` is the checkpoint file; the message says what is wrong and what to do. */
  constructor(readonly path: string, problem: string, fix: string) {
    super(`checkpoint ${path}: ${problem}. ${fix}`);
  }
}

const FORMAT = 'llm-ensemble-gym/checkpoint';
const VERSION = 1;

interface CheckpointFile {
  readonly format: string;
  readonly version: number;
  readonly checksum: string;
  readonly payload: string;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * Writes `algo`'s full state (config, seed, RNG states, Adam moments, ValueNorm, step counts, in-progress
 * episodes) atomically with `writeFileAtomicSync`: a temp file in the same directory, fsync, rename, fsync
 * of the directory. A crash leaves either the old checkpoint or the new one, never a partial file, and
 * the next save removes the temp files of writers that were killed.
 */
export function saveCheckpoint(path: string, algo: OnPolicyAlgorithm): void {
  const payload = JSON.stringify(algo.saveState());
  const file: CheckpointFile = { format: FORMAT, version: VERSION, checksum: sha256(payload), payload };
  writeFileAtomicSync(path, JSON.stringify(file));
}

/** Reads and verifies a checkpoint (format, version, checksum); throws `CheckpointError` on any problem. */
export function readCheckpoint(path: string): AlgorithmState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CheckpointError(path, `cannot be read (${(e as Error).message})`, 'Check the path; checkpoints are written by saveCheckpoint / Trainer.');
  }
  let file: CheckpointFile;
  try {
    file = JSON.parse(text) as CheckpointFile;
  } catch {
    throw new CheckpointError(path, 'is not valid JSON (truncated or corrupt)', 'Use an intact checkpoint; saves are atomic, so an older one should still be whole.');
  }
  if (file?.format !== FORMAT) throw new CheckpointError(path, `has format ${JSON.stringify(file?.format)}, expected "${FORMAT}"`, 'Pass a checkpoint written by saveCheckpoint.');
  if (file.version !== VERSION) throw new CheckpointError(path, `has version ${file.version}, this build reads version ${VERSION}`, 'Resume with the package version that wrote it.');
  if (typeof file.payload !== 'string' || sha256(file.payload) !== file.checksum) {
    throw new CheckpointError(path, 'fails its checksum (the file was modified or damaged)', 'Use an intact checkpoint.');
  }
  return JSON.parse(file.payload) as AlgorithmState;
}

/**
 * Rebuilds the algorithm stored in a checkpoint for `envs` (same env and number of copies as when saved)
 * and restores it exactly, so training continues as if it had never stopped.
 */
export async function resumeFromCheckpoint(path: string, envs: EnvCopies<AnyParallelEnv>): Promise<OnPolicyAlgorithm> {
  const state = readCheckpoint(path);
  const algo = makeAlgorithm(envs, state.config as never);
  try {
    const fresh = algo.saveState();
    if (JSON.stringify(fresh.policy.spec) !== JSON.stringify(state.policy.spec)) {
      throw new CheckpointError(path, 'was written for envs with other agents, spaces or network sizes', 'Resume with the env (and config) the checkpoint was trained on.');
    }
    await algo.loadState(state);
  } catch (e) {
    algo.dispose();
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(path, `does not match this run (${(e as Error).message})`, 'Resume with the env and number of env copies the checkpoint was trained on.');
  }
  return algo;
}
