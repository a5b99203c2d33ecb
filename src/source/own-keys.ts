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
  // Object.prototype's only accessor is `__proto__`; every other inherited property is a writable
  // data property, so assigning defines an own property just like defineProperty does, on the
  // fast path (defineProperty for every key of a 10,000-step flow was a visible cost). `obj` is a
  // plain object flowc made, with no setters or frozen properties of its own.
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** The value of an own property, or undefined; never one inherited from a prototype. */
export function getOwn<T>(obj: { readonly [key: string]: T }, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

