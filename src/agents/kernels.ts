import * as tf from '@tensorflow/tfjs';

/**
 * Direct kernel calls for the update's hand-written passes. Each `tf.*` op wrapper opens a named scope,
 * converts its arguments and checks shapes before it dispatches its kernel: on the wasm backend that
 * costs 2-3× the kernel itself at minibatch sizes (a `[32, 64] × [64, 64]` matMul: ~29 µs through
 * `tf.matMul`, ~11 µs as one `BatchMatMul` kernel). The kernels and their inputs are the ones the op
 * wrappers would dispatch, so results are unchanged; matMuls take 3-D operands, as the kernels do.
 */
const run = (name: string, inputs: tf.NamedTensorMap, attrs: Record<string, unknown> = {}): tf.Tensor | tf.Tensor[] =>
  tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];

/** `x` reshaped to `shape` (a view: no copy). */
export const reshape = (x: tf.Tensor, shape: number[]): tf.Tensor => run('Reshape', { x }, { shape }) as tf.Tensor;
/** `x` split along `axis` into pieces of `sizes`. */
export const splitV = (x: tf.Tensor, sizes: number[], axis: number): tf.Tensor[] => run('SplitV', { x }, { numOrSizeSplits: sizes, axis }) as tf.Tensor[];
/** `tensors` joined along `axis`. */
export const concat = (tensors: tf.Tensor[], axis: number): tf.Tensor => run('Concat', tensors as unknown as tf.NamedTensorMap, { axis }) as tf.Tensor;
/** Batched `a · b` of 3-D operands, with optional transposes of the last two axes. */
export const batchMatMul = (a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor =>
  run('BatchMatMul', { a, b }, { transposeA, transposeB }) as tf.Tensor;
/** Batched `a · b + bias` of 3-D operands and a 1-D bias (one fused kernel). */
export const fusedMatMul = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor): tf.Tensor =>
  run('_FusedMatMul', { a, b, bias }, { transposeA: false, transposeB: false, activation: 'linear', leakyreluAlpha: 0.2 }) as tf.Tensor;
/** `x` with its axes permuted by `perm`. */
export const transpose = (x: tf.Tensor, perm: number[]): tf.Tensor => run('Transpose', { x }, { perm }) as tf.Tensor;
/** Elementwise `a · b` (broadcasting). */
export const mul = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => run('Multiply', { a, b }) as tf.Tensor;
/** Elementwise `a - b` (broadcasting). */
export const sub = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => run('Sub', { a, b }) as tf.Tensor;
/** Elementwise `x²`. */
export const square = (x: tf.Tensor): tf.Tensor => run('Square', { x }) as tf.Tensor;
/** Elementwise logistic sigmoid. */
export const sigmoid = (x: tf.Tensor): tf.Tensor => run('Sigmoid', { x }) as tf.Tensor;
