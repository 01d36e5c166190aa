import { Rng } from './Rng.js';
import { preview, SpaceDefinitionError } from './errors.js';

/** Flat numeric vector accepted wherever a space holds a vector. */
export type Vector = Float32Array | readonly number[];

/**
 * A set of valid observations or actions (Gymnasium's `Space`). Vectors are flat: a Box of
 * shape [2, 3] holds 6 numbers in row-major order.
 */
export interface Space<T = unknown> {
  /** Shape of one element (`[]` for a scalar). */
  readonly shape: readonly number[];
  /** Number of floats an element takes once flattened (what `batchify` writes). */
  readonly flatDim: number;
  /** A random element, from `rng` or else the space's own seeded generator. */
  sample(rng?: Rng): T;
  /** Whether `x` is an element of this space. */
  contains(x: unknown): x is T;
  /** Why `x` is not an element (`null` when it is): the first problem found, in words. */
  explain(x: unknown): string | null;
  /** Seeds the space's own generator, used by `sample()` without an argument. */
  seed(seed: number | string): void;
  /** Writes `x` flattened into `out` at `offset` (no checks). */
  flatten(x: T, out: Float32Array, offset: number): void;
  /** Reads an element back from `flat` at `offset` (inverse of `flatten`). */
  unflatten(flat: Float32Array, offset: number): T;
  /** Readable description, e.g. `Box(-1, 1, [3], float32)`. */
  toString(): string;
}

const prod = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function isVector(x: unknown): x is Vector {
  return x instanceof Float32Array || x instanceof Float64Array || (Array.isArray(x) && x.every((v) => typeof v === 'number'));
}

function vectorProblem(x: unknown, n: number): string | null {
  if (!isVector(x)) return `expected a Float32Array or number[] of length ${n}, got ${describe(x)}`;
  if (x.length !== n) return `expected length ${n}, got length ${x.length}`;
  return null;
}

/** Type name of a value for messages (`number[3]`, `Float32Array[2]`, `string`, ...). */
export function describe(x: unknown): string {
  if (Array.isArray(x)) return `array[${x.length}]`;
  if (ArrayBuffer.isView(x)) return `${x.constructor.name}[${(x as unknown as ArrayLike<number>).length}]`;
  if (x === null) return 'null';
  return typeof x === 'object' ? 'object' : `${typeof x} ${preview(x)}`;
}

abstract class BaseSpace<T> implements Space<T> {
  protected rng = new Rng(0);
  abstract readonly shape: readonly number[];
  abstract readonly flatDim: number;
  /** A random element drawn from `rng`. */
  abstract sampleWith(rng: Rng): T;
  abstract explain(x: unknown): string | null;
  abstract flatten(x: T, out: Float32Array, offset: number): void;
  abstract unflatten(flat: Float32Array, offset: number): T;
  abstract toString(): string;

  /** A random element drawn from `rng`, or from the space's own seeded generator. */
  sample(rng?: Rng): T {
    return this.sampleWith(rng ?? this.rng);
  }

  /** Whether `x` is an element (`explain(x)` finds no problem). */
  contains(x: unknown): x is T {
    return this.explain(x) === null;
  }

  /** Seeds the generator `sample()` uses without an argument. */
  seed(seed: number | string): void {
    this.rng = new Rng(seed);
  }
}

/**
 * Continuous float32 box `[low, high]^shape`; bounds may be ±Infinity (then samples are normal draws).
 * Elements are always finite float32 numbers, even in an unbounded box: NaN and ±Infinity never
 * belong to one, because every consumer (mixtures, losses) breaks on them.
 */
export class Box extends BaseSpace<Float32Array> {
  readonly shape: readonly number[];
  readonly flatDim: number;
  readonly low: Float32Array;
  readonly high: Float32Array;

  /** `low`/`high` are scalars or flat arrays of `prod(shape)` numbers with low ≤ high. */
  constructor(low: number | Vector, high: number | Vector, shape: readonly number[]) {
    super();
    if (shape.some((d) => !Number.isInteger(d) || d < 0))
      throw new SpaceDefinitionError(
        'Box',
        'shape',
        `must be non-negative integers, got ${preview(shape)}`,
        'Pass the dimensions as integers >= 0, e.g. [3] or [2, 4].',
      );
    this.shape = [...shape];
    this.flatDim = prod(shape);
    this.low = typeof low === 'number' ? new Float32Array(this.flatDim).fill(low) : Float32Array.from(low);
    this.high = typeof high === 'number' ? new Float32Array(this.flatDim).fill(high) : Float32Array.from(high);
    if (this.low.length !== this.flatDim || this.high.length !== this.flatDim) {
      throw new SpaceDefinitionError(
        'Box',
        this.low.length !== this.flatDim ? 'low' : 'high',
        `must have ${this.flatDim} entries for shape [${shape}], got ${this.low.length !== this.flatDim ? this.low.length : this.high.length}`,
        'Pass a scalar bound, or one bound per entry of the flattened shape.',
      );
    }
    for (let i = 0; i < this.flatDim; i++) {
      if (Number.isNaN(this.low[i]) || Number.isNaN(this.high[i]) || this.low[i] > this.high[i] || this.low[i] === Infinity || this.high[i] === -Infinity) {
        throw new SpaceDefinitionError(
          'Box',
          `low[${i}]/high[${i}]`,
          `need low <= high (not NaN, low not +Infinity, high not -Infinity), got [${this.low[i]}, ${this.high[i]}]`,
          'Pass finite or half-open bounds with low <= high, e.g. new Box(-Infinity, Infinity, shape).',
        );
      }
    }
  }

  /** Uniform where both bounds are finite, a half-normal off a single finite bound, standard normal otherwise. */
  sampleWith(rng: Rng): Float32Array {
    const out = new Float32Array(this.flatDim);
    for (let i = 0; i < this.flatDim; i++) {
      const lo = this.low[i],
        hi = this.high[i];
      let v: number;
      if (Number.isFinite(lo) && Number.isFinite(hi)) v = rng.uniform(lo, hi);
      else if (Number.isFinite(lo)) v = lo + Math.abs(rng.normal());
      else if (Number.isFinite(hi)) v = hi - Math.abs(rng.normal());
      else v = rng.normal();
      out[i] = Math.min(hi, Math.max(lo, Math.fround(v)));
    }
    return out;
  }

  /** The first entry that is NaN, not a finite float32 or outside its bounds, or a wrong type/length. */
  explain(x: unknown): string | null {
    const p = vectorProblem(x, this.flatDim);
    if (p) return p;
    const v = x as Vector;
    for (let i = 0; i < v.length; i++) {
      const e = v[i];
      if (Number.isNaN(e)) return `entry ${i} is NaN`;
      const f = Math.fround(e);
      if (!Number.isFinite(f)) return `entry ${i} = ${e} is not a finite float32`;
      if (f < this.low[i] || f > this.high[i]) return `entry ${i} = ${e} is outside [${this.low[i]}, ${this.high[i]}]`;
    }
    return null;
  }

  /** Copies the entries into `out` at `offset`. */
  flatten(x: Float32Array, out: Float32Array, offset: number): void {
    for (let i = 0; i < this.flatDim; i++) out[offset + i] = x[i];
  }

  /** A copy of the `flatDim` entries at `offset`. */
  unflatten(flat: Float32Array, offset: number): Float32Array {
    return flat.slice(offset, offset + this.flatDim);
  }

  /** `Box(low, high, [shape], float32)`, with scalar bounds when all entries share them. */
  toString(): string {
    if (this.flatDim === 0) return `Box([], [], [${this.shape}], float32)`;
    const lo = this.low.every((v) => v === this.low[0]) ? String(this.low[0]) : `[${Array.from(this.low)}]`;
    const hi = this.high.every((v) => v === this.high[0]) ? String(this.high[0]) : `[${Array.from(this.high)}]`;
    return `Box(${lo}, ${hi}, [${this.shape}], float32)`;
  }
}

/** Index of the single 1 in `flat[offset .. offset + n)` when the entries are a one-hot vector, else -1. */
function oneHotIndex(flat: Float32Array, offset: number, n: number): number {
  let hot = -1;
  for (let i = 0; i < n; i++) {
    const v = flat[offset + i];
    if (v === 1 && hot < 0) hot = i;
    else if (v !== 0) return -1;
  }
  return hot;
}

/** Integers `start, ..., start + n - 1`; flattened one-hot (`flatDim = n`), as Gymnasium's `flatten`. */
export class Discrete extends BaseSpace<number> {
  readonly shape: readonly number[] = [];
  readonly flatDim: number;

  /** `n ≥ 1` choices starting at `start`. */
  constructor(
    readonly n: number,
    readonly start = 0,
  ) {
    super();
    if (!Number.isInteger(n) || n < 1)
      throw new SpaceDefinitionError('Discrete', 'n', `must be a positive integer, got ${preview(n)}`, 'Pass the number of choices (>= 1).');
    if (!Number.isSafeInteger(start))
      throw new SpaceDefinitionError('Discrete', 'start', `must be an integer, got ${preview(start)}`, 'Pass the first choice as a safe integer (default 0).');
    this.flatDim = n;
  }

  /** A uniform choice in start..start+n-1. */
  sampleWith(rng: Rng): number {
    return this.start + rng.int(this.n);
  }

  /** Why `x` is not an integer in start..start+n-1. */
  explain(x: unknown): string | null {
    if (typeof x !== 'number' || !Number.isInteger(x)) return `expected an integer, got ${describe(x)}`;
    if (x < this.start || x >= this.start + this.n) return `${x} is outside ${this.start}..${this.start + this.n - 1}`;
    return null;
  }

  /** Writes the one-hot vector of the choice (n entries, a 1 at `x - start`) at `offset`. */
  flatten(x: number, out: Float32Array, offset: number): void {
    out.fill(0, offset, offset + this.n);
    out[offset + x - this.start] = 1;
  }

  /** The choice whose one-hot vector is at `offset`; NaN (which `explain` rejects) when the entries are not one-hot. */
  unflatten(flat: Float32Array, offset: number): number {
    const i = oneHotIndex(flat, offset, this.n);
    return i < 0 ? NaN : this.start + i;
  }

  /** `Discrete(n)`, or `Discrete(n, start=s)` when start is not 0. */
  toString(): string {
    return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`;
  }
}

/** A vector of independent integers, entry i in `0..nvec[i]-1`. */
export class MultiDiscrete extends BaseSpace<Int32Array> {
  readonly shape: readonly number[];
  readonly flatDim: number;
  readonly nvec: Int32Array;

  /** `nvec[i] ≥ 1` choices for entry i. */
  constructor(nvec: readonly number[]) {
    super();
    if (nvec.some((n) => !Number.isInteger(n) || n < 1))
      throw new SpaceDefinitionError(
        'MultiDiscrete',
        'nvec',
        `must be positive integers, got ${preview(nvec)}`,
        'Pass the number of choices (>= 1) of each entry.',
      );
    this.nvec = Int32Array.from(nvec);
    this.shape = [nvec.length];
    this.flatDim = nvec.reduce((a, b) => a + b, 0);
  }

  /** A uniform choice in 0..nvec[i]-1 for each entry. */
  sampleWith(rng: Rng): Int32Array {
    return Int32Array.from(this.nvec, (n) => rng.int(n));
  }

  /** The first entry that is not an integer in 0..nvec[i]-1, or a wrong type/length. */
  explain(x: unknown): string | null {
    const arr = x instanceof Int32Array ? Array.from(x) : x;
    const p = vectorProblem(arr, this.nvec.length);
    if (p) return p;
    const v = arr as readonly number[];
    for (let i = 0; i < v.length; i++) {
      if (!Number.isInteger(v[i]) || v[i] < 0 || v[i] >= this.nvec[i]) return `entry ${i} = ${v[i]} is not an integer in 0..${this.nvec[i] - 1}`;
    }
    return null;
  }

  /** Writes the one-hot vectors of the entries one after another (Σ nvec floats) at `offset`, as Gymnasium's `flatten`. */
  flatten(x: Int32Array, out: Float32Array, offset: number): void {
    out.fill(0, offset, offset + this.flatDim);
    let o = offset;
    for (let i = 0; i < this.nvec.length; i++) {
      out[o + x[i]] = 1;
      o += this.nvec[i];
    }
  }

  /** The entries whose one-hot vectors are at `offset`; an entry that is not one-hot reads as -1 (which `explain` rejects). */
  unflatten(flat: Float32Array, offset: number): Int32Array {
    const out = new Int32Array(this.nvec.length);
    let o = offset;
    for (let i = 0; i < this.nvec.length; i++) {
      out[i] = oneHotIndex(flat, o, this.nvec[i]);
      o += this.nvec[i];
    }
    return out;
  }

  /** `MultiDiscrete([nvec])`. */
  toString(): string {
    return `MultiDiscrete([${Array.from(this.nvec)}])`;
  }
}

/** A vector of `n` bits (0 or 1), e.g. which models to include in a sub-ensemble. */
export class MultiBinary extends BaseSpace<Uint8Array> {
  readonly shape: readonly number[];
  readonly flatDim: number;

  /** `n ≥ 1` bits. */
  constructor(readonly n: number) {
    super();
    if (!Number.isInteger(n) || n < 1)
      throw new SpaceDefinitionError('MultiBinary', 'n', `must be a positive integer, got ${preview(n)}`, 'Pass the number of bits (>= 1).');
    this.shape = [n];
    this.flatDim = n;
  }

  /** Each bit 0 or 1 with probability 1/2. */
  sampleWith(rng: Rng): Uint8Array {
    return Uint8Array.from({ length: this.n }, () => (rng.next() < 0.5 ? 1 : 0));
  }

  /** The first entry that is not 0 or 1, or a wrong type/length. */
  explain(x: unknown): string | null {
    const arr = x instanceof Uint8Array || x instanceof Int32Array ? Array.from(x) : x;
    const p = vectorProblem(arr, this.n);
    if (p) return p;
    const v = arr as readonly number[];
    for (let i = 0; i < v.length; i++) if (v[i] !== 0 && v[i] !== 1) return `entry ${i} = ${v[i]} is not 0 or 1`;
    return null;
  }

  /** Copies the bits into `out` at `offset`. */
  flatten(x: Uint8Array, out: Float32Array, offset: number): void {
    for (let i = 0; i < this.n; i++) out[offset + i] = x[i];
  }

  /** The entries at `offset`, thresholded at 0.5. */
  unflatten(flat: Float32Array, offset: number): Uint8Array {
    return Uint8Array.from(flat.subarray(offset, offset + this.n), (v) => (v >= 0.5 ? 1 : 0));
  }

  /** `MultiBinary(n)`. */
  toString(): string {
    return `MultiBinary(${this.n})`;
  }
}

/** Probability vectors of length `n`: entries ≥ 0 summing to 1 within `atol`. */
export class Simplex extends BaseSpace<Float32Array> {
  readonly shape: readonly number[];
  readonly flatDim: number;

  /** `n ≥ 1` components; `atol` is the tolerance on the sum. */
  constructor(
    readonly n: number,
    readonly atol = 1e-5,
  ) {
    super();
    if (!Number.isInteger(n) || n < 1)
      throw new SpaceDefinitionError('Simplex', 'n', `must be a positive integer, got ${preview(n)}`, 'Pass the number of weights (>= 1).');
    this.shape = [n];
    this.flatDim = n;
  }

  /** Uniform draw on the simplex (Dirichlet(1, ..., 1)), normalised in float64. */
  sampleWith(rng: Rng): Float32Array {
    const e = Array.from({ length: this.n }, () => -Math.log(1 - rng.next()));
    const s = e.reduce((a, b) => a + b, 0);
    // All draws are 0 only when every uniform draw was exactly 0; fall back to the centre.
    if (s === 0) return new Float32Array(this.n).fill(1 / this.n);
    return Float32Array.from(e, (v) => v / s);
  }

  /** The first negative or non-finite entry, a sum off 1 by more than `atol`, or a wrong type/length. */
  explain(x: unknown): string | null {
    const p = vectorProblem(x, this.n);
    if (p) return p;
    const v = x as Vector;
    let s = 0;
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) return `entry ${i} = ${v[i]} is not finite`;
      if (v[i] < 0) return `entry ${i} = ${v[i]} is negative`;
      s += v[i];
    }
    if (Math.abs(s - 1) > this.atol) return `entries sum to ${s}, not 1 (tolerance ${this.atol})`;
    return null;
  }

  /** Copies the weights into `out` at `offset`. */
  flatten(x: Float32Array, out: Float32Array, offset: number): void {
    for (let i = 0; i < this.n; i++) out[offset + i] = x[i];
  }

  /** A copy of the `n` weights at `offset`. */
  unflatten(flat: Float32Array, offset: number): Float32Array {
    return flat.slice(offset, offset + this.n);
  }

  /** `Simplex(n)`. */
  toString(): string {
    return `Simplex(${this.n})`;
  }
}

/** Element type of a `Dict` space built from `S`. */
export type DictValue<S extends Record<string, Space>> = { [K in keyof S]: S[K] extends Space<infer T> ? T : never };

/** A record of named sub-spaces; keys are flattened in sorted order. */
export class Dict<S extends Record<string, Space> = Record<string, Space>> extends BaseSpace<DictValue<S>> {
  readonly shape: readonly number[] = [];
  readonly flatDim: number;
  readonly keys: readonly (keyof S & string)[];

  /** Sub-spaces by name. */
  constructor(readonly spaces: S) {
    super();
    this.keys = Object.keys(spaces).sort() as (keyof S & string)[];
    this.flatDim = this.keys.reduce((a, k) => a + spaces[k].flatDim, 0);
  }

  /** An element with each sub-space sampled from `rng`, keys in sorted order. */
  sampleWith(rng: Rng): DictValue<S> {
    const out: Record<string, unknown> = {};
    for (const k of this.keys) out[k] = this.spaces[k].sample(rng);
    return out as DictValue<S>;
  }

  /** The first unexpected or missing key, or the first sub-space problem prefixed with its key. */
  explain(x: unknown): string | null {
    if (typeof x !== 'object' || x === null || Array.isArray(x) || ArrayBuffer.isView(x))
      return `expected an object with keys ${this.keys.join(', ')}, got ${describe(x)}`;
    const rec = x as Record<string, unknown>;
    for (const k of Object.keys(rec)) if (!(k in this.spaces)) return `unexpected key "${k}" (allowed: ${this.keys.join(', ')})`;
    for (const k of this.keys) {
      if (!(k in rec)) return `missing key "${k}"`;
      const p = this.spaces[k].explain(rec[k]);
      if (p) return `${k}: ${p}`;
    }
    return null;
  }

  /** Writes the sub-elements one after another in sorted key order. */
  flatten(x: DictValue<S>, out: Float32Array, offset: number): void {
    let o = offset;
    for (const k of this.keys) {
      this.spaces[k].flatten(x[k] as never, out, o);
      o += this.spaces[k].flatDim;
    }
  }

  /** Reads the sub-elements back in sorted key order. */
  unflatten(flat: Float32Array, offset: number): DictValue<S> {
    const out: Record<string, unknown> = {};
    let o = offset;
    for (const k of this.keys) {
      out[k] = this.spaces[k].unflatten(flat, o);
      o += this.spaces[k].flatDim;
    }
    return out as DictValue<S>;
  }

  /** Seeds this space and each sub-space (sub-space i with `${seed}/i`). */
  override seed(seed: number | string): void {
    super.seed(seed);
    this.keys.forEach((k, i) => this.spaces[k].seed(`${seed}/${i}`));
  }

  /** `Dict(key: space, ...)` in sorted key order. */
  toString(): string {
    return `Dict(${this.keys.map((k) => `${k}: ${this.spaces[k]}`).join(', ')})`;
  }
}

/** Per-entry bounds of the flattened elements of `space` (`±Infinity` where the space gives none). */
export function flatBounds(space: Space): { low: Float32Array; high: Float32Array } {
  const low = new Float32Array(space.flatDim).fill(-Infinity);
  const high = new Float32Array(space.flatDim).fill(Infinity);
  if (space instanceof Box) {
    low.set(space.low);
    high.set(space.high);
  } else if (space instanceof Discrete || space instanceof MultiDiscrete || space instanceof MultiBinary || space instanceof Simplex) {
    // One-hot entries, bits and probabilities all lie in [0, 1].
    low.fill(0);
    high.fill(1);
  } else if (space instanceof Dict) {
    let o = 0;
    for (const k of space.keys) {
      const b = flatBounds((space as Dict).spaces[k]);
      low.set(b.low, o);
      high.set(b.high, o);
      o += b.low.length;
    }
  }
  return { low, high };
}

/** A Box holding the flattenings of every element of `space` (Gymnasium's `flatten_space`). */
export function flattenSpace(space: Space): Box {
  if (space instanceof Box) return new Box(space.low, space.high, [space.flatDim]);
  const { low, high } = flatBounds(space);
  return new Box(low, high, [space.flatDim]);
}
