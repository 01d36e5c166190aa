import { ConfigError } from '../core/errors.js';

/** Float32 weights as base64 (exact and ~3× smaller than a JSON number list). */
export function encodeFloat32(x: Float32Array): string {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64');
}

/** Inverse of `encodeFloat32`; throws `ConfigError` naming `field` when the length is not `expected` floats. */
export function decodeFloat32(s: string, expected: number, field: string): Float32Array {
  const buf = Buffer.from(s, 'base64');
  if (buf.byteLength !== expected * 4) {
    throw new ConfigError(field, `holds ${buf.byteLength / 4} floats, expected ${expected}`, 'Load a snapshot saved from a policy with the same shape.');
  }
  const out = new Float32Array(expected);
  new Uint8Array(out.buffer).set(buf);
  return out;
}
