import * as tf from '@tensorflow/tfjs';

// JS copies of float32 variables' values, keyed by the data id they belong to: a variable's `assign`
// gives it a new data id, so a copy is current exactly while the variable's id is the one it is filed under.
const copies = new WeakMap<object, Float32Array>();

const dataIdOf = (v: tf.Variable): object => (v as unknown as { dataId: object }).dataId;

/**
 * The values of float32 variable `v` as a JS array, read back from the backend only when `v` was
 * assigned elsewhere since the last read or `assignFromHost` (so the optimizer's write and the
 * policy's next forward share one copy). Do not write into it.
 */
export function hostValues(v: tf.Variable): Float32Array {
  const id = dataIdOf(v);
  let w = copies.get(id);
  if (w === undefined) {
    w = v.dataSync() as Float32Array;
    copies.set(id, w);
  }
  return w;
}

/** Assigns `values` to `v` and files them as its JS copy: `values` must not be written into afterwards. */
export function assignFromHost(v: tf.Variable, values: Float32Array): void {
  tf.tidy(() => v.assign(tf.tensor1d(values)));
  copies.set(dataIdOf(v), values);
}
