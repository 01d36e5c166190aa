/**
 * Stores `value` as `record`'s own enumerable entry `key`, for every key: plain assignment of
 * `__proto__` would set the prototype instead, so agent-keyed records are written with this.
 */
export function putOwn<K extends string, V>(record: Record<K, V>, key: K, value: V): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
