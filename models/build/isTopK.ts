import type { TopK } from '../../src/models/ModelAdapter.js';

/** True when a `NextToken.logprobs` value is a top-k summary rather than the full distribution. */
export function isTopK(x: Float32Array | TopK): x is TopK {
  return !(x instanceof Float32Array);
}
