/** Log-softmax of `logits[offset .. offset+n)` as float32, accumulated in float64 for stability. */
export function logSoftmax(logits: ArrayLike<number>, offset = 0, n = logits.length - offset): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[offset + i] > max) max = logits[offset + i];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(logits[offset + i] - max);
  const lse = max + Math.log(sum);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = logits[offset + i] - lse;
  return out;
}
