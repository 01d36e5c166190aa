import { EnsembleGymError } from './errors.js';
import type { AgentRecord } from './ParallelEnv.js';
import type { Space } from './spaces.js';

/** One space for every agent, or the space of each agent (all with the same `flatDim`). */
export type SpaceOf<Agent extends string, X> = Space<X> | ((agent: Agent) => Space<X>);

function spaceFor<Agent extends string, X>(space: SpaceOf<Agent, X>, agent: Agent): Space<X> {
  return typeof space === 'function' ? space(agent) : space;
}

/** Width of one agent's row: the common `flatDim` of the agents' spaces. */
function rowWidth<Agent extends string, X>(agents: readonly Agent[], space: SpaceOf<Agent, X>): number {
  if (typeof space !== 'function') return space.flatDim;
  if (agents.length === 0) return 0;
  const width = space(agents[0]).flatDim;
  for (const a of agents) {
    const d = space(a).flatDim;
    if (d !== width) {
      throw new EnsembleGymError(
        `batchify: agent "${a}" has flatDim ${d} but agent "${agents[0]}" has ${width}. Batch only agents whose spaces flatten to the same size (pad observations in the env).`,
      );
    }
  }
  return width;
}

/**
 * Packs `record[agent]` for each agent of `agents`, in that order, into one Float32Array of
 * `agents.length * flatDim` (row i = agent i, flattened with its space). Writes into `out` when given.
 */
export function batchify<Agent extends string, X>(
  record: Partial<AgentRecord<Agent, X>>,
  agents: readonly Agent[],
  space: SpaceOf<Agent, X>,
  out?: Float32Array,
): Float32Array {
  const width = rowWidth(agents, space);
  const size = agents.length * width;
  if (out && out.length !== size) {
    throw new EnsembleGymError(
      `batchify: out has length ${out.length}, expected ${agents.length} agents x ${width} = ${size}. Allocate out with that length or omit it.`,
    );
  }
  const flat = out ?? new Float32Array(size);
  agents.forEach((agent, i) => {
    if (!Object.prototype.hasOwnProperty.call(record, agent)) {
      throw new EnsembleGymError(
        `batchify: no entry for agent "${agent}" (record has ${Object.keys(record).join(', ') || 'no keys'}). Pass a record with every agent of the agent list.`,
      );
    }
    const x = record[agent] as X;
    const s = spaceFor(space, agent);
    // An element's length is its shape's size, which differs from the row width for one-hot flattenings (MultiDiscrete).
    const length = s.shape.reduce((a, b) => a * b, 1);
    if ((ArrayBuffer.isView(x) || Array.isArray(x)) && (x as ArrayLike<number>).length !== length && s.shape.length > 0) {
      throw new EnsembleGymError(`batchify: entry of agent "${agent}" has length ${(x as ArrayLike<number>).length}, expected ${length} for ${s}.`);
    }
    s.flatten(x, flat, i * width);
  });
  return flat;
}

/** Inverse of `batchify`: row i of `flat` becomes the element of `agents[i]` (a fresh value, not a view). */
export function unbatchify<Agent extends string, X>(flat: Float32Array, agents: readonly Agent[], space: SpaceOf<Agent, X>): AgentRecord<Agent, X> {
  const width = rowWidth(agents, space);
  if (flat.length !== agents.length * width) {
    throw new EnsembleGymError(
      `unbatchify: got ${flat.length} numbers, expected ${agents.length} agents x ${width} = ${agents.length * width}. Pass the same agent list and space used by batchify.`,
    );
  }
  const out = {} as AgentRecord<Agent, X>;
  agents.forEach((agent, i) => {
    out[agent] = spaceFor(space, agent).unflatten(flat, i * width);
  });
  return out;
}
