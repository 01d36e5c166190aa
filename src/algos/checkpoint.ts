import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { EnsembleGymError } from '../core/errors.js';
import { writeFileAtomicSync } from '../core/writeFileAtomic.js';
import type { AlgorithmState, EnvCopies, OnPolicyAlgorithm } from './OnPolicyAlgorithm.js';
import { makeAlgorithm, type AnyParallelEnv } from './makeAlgorithm.js';
import { resolvePPOConfig } from './PPOConfig.js';

/** A checkpoint that cannot be used: unreadable, corrupt (checksum), of another format, or not matching the run. */
export class CheckpointError extends EnsembleGymError {
  /** `path` is the checkpoint file; the message says what is wrong and what to do. */
  constructor(
    readonly path: string,
    problem: string,
    fix: string,
  ) {
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

/** Largest checkpoint file read (a JSON string in V8 cannot be much longer). */
export const MAX_CHECKPOINT_BYTES = 256 * 1024 * 1024;
/** Largest network a checkpoint may describe, in float32 parameters (1 GiB of weights). */
export const MAX_CHECKPOINT_PARAMS = 2 ** 28;
const MAX_WIDTH = 16_384;
const MAX_LAYERS = 32;
const MAX_DIM = 1_000_000;
const MAX_GROUPS = 4096;
const MAX_ENV_COPIES = 65_536;

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const finite = z.number().refine(Number.isFinite, 'must be a finite number');
type HeadJSON = { type: 'leaf'; dim: number } | { type: 'dict' | 'multi'; children: HeadJSON[] };
const headSchema: z.ZodType<HeadJSON> = z.lazy(() =>
  z.union([
    z
      .object({
        type: z.literal('leaf'),
        kind: z.enum(['gaussian', 'dirichlet', 'bernoulli', 'categorical']),
        dim: z.number().int().min(1).max(MAX_DIM),
        transform: z.string(),
      })
      .loose(),
    z.object({ type: z.literal('dict'), keys: z.array(z.string()).max(MAX_DIM), children: z.array(headSchema).min(1).max(MAX_DIM) }).loose(),
    z.object({ type: z.literal('multi'), children: z.array(headSchema).min(1).max(MAX_DIM) }).loose(),
  ]),
) as z.ZodType<HeadJSON>;
const groupSchema = z
  .object({
    members: z.array(z.string().min(1).max(1024)).min(1).max(MAX_GROUPS),
    obsDim: z.number().int().min(0).max(MAX_DIM),
    criticDim: z.number().int().min(0).max(MAX_DIM),
    head: headSchema,
  })
  .loose();
const specSchema = z
  .object({
    groups: z.array(groupSchema).min(1).max(MAX_GROUPS),
    hidden: z.array(z.number().int().min(1).max(MAX_WIDTH)).min(1).max(MAX_LAYERS),
    initLogStd: finite,
    criticInput: z.enum(['observation', 'state']),
    seed: z.union([z.number(), z.string()]),
  })
  .loose();
const rngSchema = z.object({ seed: z.string(), inner: z.record(z.string(), z.unknown()) }).loose();
const payloadSchema = z.object({
  config: z.record(z.string(), z.unknown()),
  iteration: count,
  globalStep: count,
  policy: z.object({ kind: z.literal('mlp-actor-critic'), spec: specSchema, weights: z.string().max(MAX_CHECKPOINT_BYTES) }).loose(),
  optimizer: z.object({ step: count, m: z.array(finite), v: z.array(finite) }).loose(),
  valueNorms: z
    .array(z.object({ mean: finite, var: finite.refine((x) => x >= 0, 'must be >= 0'), count: finite.refine((x) => x >= 0, 'must be >= 0') }).loose())
    .min(1)
    .max(MAX_GROUPS),
  rngs: z.object({ act: rngSchema, minibatch: rngSchema }).loose(),
  episodes: z
    .array(z.object({ index: count, seed: z.number().int(), actions: z.array(z.array(z.array(finite))), ret: finite, length: count }).loose())
    .min(1)
    .max(MAX_ENV_COPIES),
});

/** Raw floats of a head (leaf dims summed over the tree). */
function headDim(h: HeadJSON): number {
  return h.type === 'leaf' ? h.dim : h.children.reduce((s, c) => s + headDim(c), 0);
}

/** Parameters of the MLP actor-critic a spec describes (the layout MlpActorCritic allocates). */
function paramCount(spec: z.infer<typeof specSchema>): number {
  const mlp = (inDim: number, outDim: number): number => {
    const dims = [inDim, ...spec.hidden, outDim];
    let p = 0;
    for (let i = 1; i < dims.length; i++) p += dims[i - 1] * dims[i] + dims[i];
    return p;
  };
  return spec.groups.reduce((p, g) => {
    const oneHot = g.members.length > 1 ? g.members.length : 0;
    const dim = headDim(g.head);
    return p + mlp(g.obsDim + oneHot, dim) + mlp(g.criticDim + oneHot, 1) + dim;
  }, 0);
}

/** Floats held by a base64 string of float32 bytes. */
const base64Floats = (s: string): number => Buffer.byteLength(s, 'base64') / 4;

/**
 * Checks a checksum-verified payload against the state schema, then the sizes that relate its parts
 * (the network the spec describes against the stored weights, the optimizer moments and the value
 * norms), so nothing is allocated for a size the file does not hold. Throws CheckpointError naming the field.
 */
function validatePayload(path: string, text: string): AlgorithmState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(
      path,
      `payload is not valid JSON (${(e as Error).message})`,
      'The checksum matches, so the file was written this way: use a checkpoint written by saveCheckpoint.',
    );
  }
  const parsed = payloadSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ['payload', ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))].join('.').replace(/\.\[/g, '[');
    throw new CheckpointError(path, `field ${field}: ${issue.message}`, 'Use a checkpoint written by saveCheckpoint; it cannot be repaired by hand.');
  }
  const s = parsed.data;
  const bad = (field: string, problem: string): never => {
    throw new CheckpointError(path, `field payload.${field}: ${problem}`, 'Use a checkpoint written by saveCheckpoint; it cannot be repaired by hand.');
  };
  try {
    resolvePPOConfig(s.config as never);
  } catch (e) {
    bad('config', (e as Error).message);
  }
  const params = paramCount(s.policy.spec);
  if (params > MAX_CHECKPOINT_PARAMS) bad('policy.spec.hidden', `describes ${params} parameters, more than the limit of ${MAX_CHECKPOINT_PARAMS}`);
  const stored = base64Floats(s.policy.weights);
  if (stored !== params) bad('policy.weights', `holds ${stored} floats, the spec (hidden ${JSON.stringify(s.policy.spec.hidden)}) needs ${params}`);
  if (s.optimizer.m.length !== params || s.optimizer.v.length !== params)
    bad('optimizer', `moments have ${s.optimizer.m.length} / ${s.optimizer.v.length} entries, the policy has ${params} parameters`);
  if (s.valueNorms.length !== s.policy.spec.groups.length)
    bad('valueNorms', `has ${s.valueNorms.length} entries, the policy has ${s.policy.spec.groups.length} groups`);
  return s as unknown as AlgorithmState;
}

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

/**
 * Reads and verifies a checkpoint (size, format, version, checksum, then the payload's schema and sizes);
 * throws `CheckpointError` naming the file and the field on any problem.
 */
export function readCheckpoint(path: string): AlgorithmState {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_CHECKPOINT_BYTES)
      throw new CheckpointError(path, `is ${size} bytes, more than the limit of ${MAX_CHECKPOINT_BYTES}`, 'Pass a checkpoint written by saveCheckpoint.');
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(path, `cannot be read (${(e as Error).message})`, 'Check the path; checkpoints are written by saveCheckpoint / Trainer.');
  }
  let file: CheckpointFile;
  try {
    file = JSON.parse(text) as CheckpointFile;
  } catch {
    throw new CheckpointError(
      path,
      'is not valid JSON (truncated or corrupt)',
      'Use an intact checkpoint; saves are atomic, so an older one should still be whole.',
    );
  }
  if (file?.format !== FORMAT)
    throw new CheckpointError(path, `has format ${JSON.stringify(file?.format)}, expected "${FORMAT}"`, 'Pass a checkpoint written by saveCheckpoint.');
  if (file.version !== VERSION)
    throw new CheckpointError(path, `has version ${file.version}, this build reads version ${VERSION}`, 'Resume with the package version that wrote it.');
  if (typeof file.payload !== 'string' || sha256(file.payload) !== file.checksum) {
    throw new CheckpointError(path, 'fails its checksum (the file was modified or damaged)', 'Use an intact checkpoint.');
  }
  return validatePayload(path, file.payload);
}

/**
 * Rebuilds the algorithm stored in a checkpoint for `envs` (same env and number of copies as when saved)
 * and restores it exactly, so training continues as if it had never stopped.
 */
export async function resumeFromCheckpoint(path: string, envs: EnvCopies<AnyParallelEnv>): Promise<OnPolicyAlgorithm> {
  const state = readCheckpoint(path);
  let algo: OnPolicyAlgorithm;
  try {
    algo = makeAlgorithm(envs, state.config as never);
  } catch (e) {
    throw new CheckpointError(path, `does not fit these envs (${(e as Error).message})`, 'Resume with the env the checkpoint was trained on.');
  }
  try {
    const fresh = algo.saveState();
    if (JSON.stringify(fresh.policy.spec) !== JSON.stringify(state.policy.spec)) {
      throw new CheckpointError(
        path,
        'was written for envs with other agents, spaces or network sizes',
        'Resume with the env (and config) the checkpoint was trained on.',
      );
    }
    await algo.loadState(state);
  } catch (e) {
    algo.dispose();
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(
      path,
      `does not match this run (${(e as Error).message})`,
      'Resume with the env and number of env copies the checkpoint was trained on.',
    );
  }
  return algo;
}
