import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ConfigError } from '../core/errors.js';
import { DataType, GraphBuilder, attr, floatTensor } from '../models/onnx/onnxGraph.js';
import { HEAD_MIN_CONCENTRATION } from './ActionHead.js';
import type { MlpActorCritic } from './MlpActorCritic.js';

/** Names of the exported graph's input and outputs. */
export const ONNX_POLICY_IO = { input: 'obs', logits: 'logits', mean: 'mean' } as const;

/**
 * Builds the actor of `policy`'s group `group` as an ONNX model: input `obs` `[batch, actorIn]` (with
 * the member one-hot appended when the group shares its actor), outputs `logits` (raw head outputs)
 * and `mean` (Gaussian means, Dirichlet α/Σα, Bernoulli p, Categorical probabilities) `[batch, dim]`.
 */
export function buildPolicyOnnx(policy: MlpActorCritic, group = 0): Uint8Array {
  const grp = policy.groups[group];
  if (!grp) throw new ConfigError('group', `is ${group}, the policy has ${policy.groups.length} group(s)`, 'Pass a group index below the number of groups.');
  const w = policy.getWeights();
  const g = new GraphBuilder('policy_actor');
  let h = g.input(ONNX_POLICY_IO.input, DataType.FLOAT, ['batch', grp.actorIn]);
  grp.actor.forEach((d, i) => {
    const W = g.initializer(`actor_${i}_w`, floatTensor([d.inDim, d.outDim], w.subarray(d.w, d.w + d.inDim * d.outDim)));
    const b = g.initializer(`actor_${i}_b`, floatTensor([d.outDim], w.subarray(d.b, d.b + d.outDim)));
    const z = g.op('Gemm', [h, W, b]);
    h = i === grp.actor.length - 1 ? z : g.op('Tanh', [z]);
  });
  const logits = h;
  const parts: string[] = [];
  const leaves = grp.head.leafLayout();
  for (const leaf of leaves) {
    const x =
      leaves.length === 1
        ? logits
        : g.op('Slice', [
            logits,
            g.constInt64('start', [1], [leaf.offset]),
            g.constInt64('end', [1], [leaf.offset + leaf.dim]),
            g.constInt64('axis', [1], [1]),
          ]);
    if (leaf.kind === 'gaussian') parts.push(leaves.length === 1 ? g.op('Identity', [x]) : x);
    else if (leaf.kind === 'bernoulli') parts.push(g.op('Sigmoid', [x]));
    else if (leaf.kind === 'categorical') parts.push(g.op('Softmax', [x], { axis: attr.int(-1) }));
    else {
      const alpha = g.op('Add', [g.op('Softplus', [x]), g.constFloat('min_conc', [], [HEAD_MIN_CONCENTRATION])]);
      const sum = g.op('ReduceSum', [alpha, g.constInt64('axes', [1], [-1])], { keepdims: attr.int(1) });
      parts.push(g.op('Div', [alpha, sum]));
    }
  }
  const mean = parts.length === 1 ? parts[0] : g.op('Concat', parts, { axis: attr.int(1) });
  g.output(logits, ONNX_POLICY_IO.logits, DataType.FLOAT, ['batch', grp.head.dim]);
  g.output(mean, ONNX_POLICY_IO.mean, DataType.FLOAT, ['batch', grp.head.dim]);
  return g.build({
    docString: `actor of group ${group} (${grp.spec.members.join(', ')})`,
    metadata: { head: JSON.stringify(grp.head.tree), members: JSON.stringify(grp.spec.members) },
  });
}

/** Writes the trained actor (group `group`) of `policy` as an ONNX file at `path` (see `buildPolicyOnnx`). */
export function exportPolicyOnnx(policy: MlpActorCritic, path: string, group = 0): void {
  writeFileSync(path, buildPolicyOnnx(policy, group));
}

type Ort = typeof import('onnxruntime-node');
const require = createRequire(import.meta.url);

/** An exported actor run by onnxruntime-node (one intra-op thread): tfjs-free inference of action means. */
export class OnnxPolicy {
  private constructor(
    private readonly ort: Ort,
    private readonly session: import('onnxruntime-node').InferenceSession,
    readonly inputDim: number,
  ) {}

  /** Loads a model written by `exportPolicyOnnx`. */
  static async load(path: string): Promise<OnnxPolicy> {
    const ort = require('onnxruntime-node') as Ort;
    const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    const meta = session.inputMetadata?.[0] as { shape?: (number | string)[] } | undefined;
    const dim = Number(meta?.shape?.[1] ?? NaN);
    return new OnnxPolicy(ort, session, dim);
  }

  /** Action means `[rows, dim]` (row-major) for `rows` inputs. */
  async mean(obs: Float32Array, rows: number): Promise<Float32Array> {
    const dim = obs.length / rows;
    const out = await this.session.run({ [ONNX_POLICY_IO.input]: new this.ort.Tensor('float32', obs, [rows, dim]) }, [ONNX_POLICY_IO.mean]);
    return out[ONNX_POLICY_IO.mean].data as Float32Array;
  }

  /** Releases the session. */
  async dispose(): Promise<void> {
    await this.session.release();
  }
}
