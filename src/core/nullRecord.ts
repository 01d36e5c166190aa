/**
 * A record with no prototype, filled from `from`'s own enumerable entries when given. Agent-keyed
 * records use it so that agents named `__proto__`, `constructor` or `toString` are plain keys: on a
 * `{}` literal, `r.constructor` reads `Object` before anything is stored and `r.__proto__ = x` sets
 * the prototype instead of an entry.
 */
export function nullRecord<K extends string, V>(): Record<K, V>;
export function nullRecord<R extends object>(from: R | null | undefined): R;
export function nullRecord(from?: object | null): object {
  const out = Object.create(null) as Record<string, unknown>;
  if (from) for (const k of Object.keys(from)) out[k] = (from as Record<string, unknown>)[k];
  return out;
}
