/**
 * Stores `value` as `record`'s own enumerable entry `key`, for every key: plain assignment of
 * `__proto__` would set the prototype instead, so agent-keyed records are written with this.
 */
export function putOwn<K extends string, V>(record: Record<K, V>, key: K, value: V): void {
  // Every other key is absent or a writable data property on Object.prototype, so assignment makes an own
  // entry; defineProperty (about 7x slower per entry) only where it is needed.
  if (key === '__proto__') Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}
