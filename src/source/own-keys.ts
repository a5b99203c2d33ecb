/**
 * User keys as data, never as JavaScript object machinery. Flows and configs may use any key,
 * `__proto__`, `constructor` and `prototype` included (docs/security.md, "Config and interpolation
 * limits"): assigning `obj[key] = v` with `__proto__` sets the prototype instead of a key, and
 * reading `obj[key]` for an absent `constructor` finds `Object`. Every place that turns a user-keyed
 * map into an object by assignment, or reads one by a user key, goes through these two functions
 * (`Object.fromEntries`, spreads and computed keys in literals already define own properties).
 */

/** Sets `key` as an own, enumerable data property, whatever its name. */
export function setOwn<T>(obj: { [key: string]: T }, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The value of an own property, or undefined; never one inherited from a prototype. */
export function getOwn<T>(obj: { readonly [key: string]: T }, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

