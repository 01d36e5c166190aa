/**
 * An empty record keyed by agent (or learner) name with no prototype, so names such as `__proto__`,
 * `constructor` or `toString` are plain keys: assigning one never changes the prototype and reading a
 * missing one gives `undefined`, not an `Object.prototype` member.
 */
export function agentRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
