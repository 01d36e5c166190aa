import * as tf from '@tensorflow/tfjs';

// Both functions shift the argument up by SHIFT with the recurrences
// lgamma(x) = lgamma(x + n) - log(x (x+1) ... (x+n-1)) and psi(x) = psi(x + n) - sum 1/(x+k),
// then use the asymptotic series, which is accurate to float32 precision for arguments >= 6.
const SHIFT = 6;
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** log Γ(x) for x > 0, elementwise, built from differentiable tfjs ops (accurate to ~1e-6 relative). */
export function lgamma(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    let prod = x;
    for (let k = 1; k < SHIFT; k++) prod = tf.mul(prod, tf.add(x, k));
    const z = tf.add(x, SHIFT);
    const zi = tf.reciprocal(z);
    const zi2 = tf.square(zi);
    // Stirling: (z - 1/2) log z - z + log(2π)/2 + 1/(12z) - 1/(360z³) + 1/(1260z⁵)
    const series = tf.mul(zi, tf.add(1 / 12, tf.mul(zi2, tf.add(-1 / 360, tf.mul(zi2, 1 / 1260)))));
    const stirling = tf.add(tf.sub(tf.mul(tf.sub(z, 0.5), tf.log(z)), z), tf.add(series, HALF_LOG_2PI));
    return tf.sub(stirling, tf.log(prod));
  });
}

/** ψ(x) = d/dx log Γ(x) for x > 0, elementwise, built from differentiable tfjs ops. */
export function digamma(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    let recip = tf.reciprocal(x);
    for (let k = 1; k < SHIFT; k++) recip = tf.add(recip, tf.reciprocal(tf.add(x, k)));
    const z = tf.add(x, SHIFT);
    const zi = tf.reciprocal(z);
    const zi2 = tf.square(zi);
    // log z - 1/(2z) - 1/(12z²) + 1/(120z⁴) - 1/(252z⁶)
    const series = tf.mul(zi2, tf.add(-1 / 12, tf.mul(zi2, tf.add(1 / 120, tf.mul(zi2, -1 / 252)))));
    const asym = tf.add(tf.sub(tf.log(z), tf.mul(zi, 0.5)), series);
    return tf.sub(asym, recip);
  });
}

/** log Γ(x) for x > 0 in float64 JS, by the same shift and series as `lgamma` (the acting path's log-densities). */
export function lgammaOf(x: number): number {
  let prod = x;
  for (let k = 1; k < SHIFT; k++) prod *= x + k;
  const z = x + SHIFT;
  const zi = 1 / z;
  const zi2 = zi * zi;
  const series = zi * (1 / 12 + zi2 * (-1 / 360 + zi2 * (1 / 1260)));
  return (z - 0.5) * Math.log(z) - z + series + HALF_LOG_2PI - Math.log(prod);
}
