import { EnsembleGymError } from '../../core/errors.js';

/** A GGUF metadata value: numbers are written as `uint32` / `float32` unless wrapped in a typed form. */
export type GgufValue =
  | string
  | boolean
  | { readonly type: 'uint32' | 'int32' | 'float32' | 'uint64'; readonly value: number }
  | { readonly type: 'array'; readonly of: 'string'; readonly values: readonly string[] }
  | { readonly type: 'array'; readonly of: 'int32' | 'float32'; readonly values: readonly number[] };

/** One float32 tensor; `dims` in ggml order (innermost first: a `[rows, cols]` row-major matrix is `[cols, rows]`). */
export interface GgufTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** A GGUF file that cannot be written as asked (wrong tensor size, duplicate names). */
export class GgufWriteError extends EnsembleGymError {}

// Value type ids of the GGUF spec (ggml/docs/gguf.md).
const T = { uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9, uint64: 10 } as const;
const GGML_TYPE_F32 = 0;
const GGUF_VERSION = 3;
/** Default `general.alignment` of the spec; tensor data offsets are multiples of it. */
export const GGUF_ALIGNMENT = 32;

/** Serialises metadata and float32 tensors as a GGUF v3 file (little endian, tensor data aligned to 32 bytes). */
export function writeGguf(metadata: Readonly<Record<string, GgufValue>>, tensors: readonly GgufTensor[]): Uint8Array {
  const names = new Set<string>();
  for (const t of tensors) {
    if (names.has(t.name)) throw new GgufWriteError(`tensor "${t.name}" appears twice. Give every tensor a unique name.`);
    names.add(t.name);
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new GgufWriteError(`tensor "${t.name}" has dims [${t.dims.join(', ')}] (${n} values) but ${t.data.length} values. Pass dims that match the data.`);
  }
  const w = new ByteWriter();
  w.bytes(new TextEncoder().encode('GGUF'));
  w.u32(GGUF_VERSION);
  w.u64(tensors.length);
  w.u64(Object.keys(metadata).length);
  for (const [key, v] of Object.entries(metadata)) {
    w.str(key);
    writeValue(w, v);
  }
  let offset = 0;
  for (const t of tensors) {
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(GGML_TYPE_F32);
    w.u64(offset);
    offset = align(offset + t.data.byteLength);
  }
  w.pad(GGUF_ALIGNMENT);
  for (const t of tensors) {
    w.pad(GGUF_ALIGNMENT);
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    w.bytes(bytes); // little-endian hosts store float32 as GGUF wants
  }
  w.pad(GGUF_ALIGNMENT);
  return w.finish();
}

function align(n: number): number {
  return Math.ceil(n / GGUF_ALIGNMENT) * GGUF_ALIGNMENT;
}

function writeValue(w: ByteWriter, v: GgufValue): void {
  if (typeof v === 'string') {
    w.u32(T.string);
    w.str(v);
  } else if (typeof v === 'boolean') {
    w.u32(T.bool);
    w.u8(v ? 1 : 0);
  } else if (v.type === 'array') {
    w.u32(T.array);
    w.u32(T[v.of]);
    w.u64(v.values.length);
    for (const x of v.values) writeScalar(w, v.of, x);
  } else {
    w.u32(T[v.type]);
    writeScalar(w, v.type, v.value);
  }
}

function writeScalar(w: ByteWriter, type: 'string' | 'uint32' | 'int32' | 'float32' | 'uint64', x: string | number): void {
  if (type === 'string') w.str(x as string);
  else if (type === 'uint32') w.u32(x as number);
  else if (type === 'int32') w.i32(x as number);
  else if (type === 'float32') w.f32(x as number);
  else w.u64(x as number);
}

/** Growable little-endian byte buffer. */
class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(x: number): void {
    this.ensure(1);
    this.view.setUint8(this.length, x);
    this.length += 1;
  }
  u32(x: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, x, true);
    this.length += 4;
  }
  i32(x: number): void {
    this.ensure(4);
    this.view.setInt32(this.length, x, true);
    this.length += 4;
  }
  f32(x: number): void {
    this.ensure(4);
    this.view.setFloat32(this.length, x, true);
    this.length += 4;
  }
  u64(x: number): void {
    this.ensure(8);
    this.view.setBigUint64(this.length, BigInt(x), true);
    this.length += 8;
  }
  str(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u64(b.length);
    this.bytes(b);
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  pad(to: number): void {
    const n = (to - (this.length % to)) % to;
    this.ensure(n);
    this.length += n; // the buffer is zero-filled
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
