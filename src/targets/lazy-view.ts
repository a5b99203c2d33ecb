/**
 * An object or array that is made on first use: every read (a property, `in`, its keys, iteration)
 * goes to `make()`'s result, made once. For registry values most runs never read (the built-in
 * template targets, whose front matter is parsed to know them), so a start-up does not pay for them.
 * `shape` is an empty value of the same kind, so `Array.isArray` still tells an array.
 */
export function lazyView<T extends object>(shape: T, make: () => T): T {
  let value: T | undefined;
  const real = (): T => (value ??= make());
  return new Proxy(shape, {
    get: (_, key) => {
      const v = real();
      const got: unknown = Reflect.get(v, key);
      // Methods (an array's map, find, ...) run on the real value.
      return typeof got === 'function' && key !== 'constructor' ? (got as (...a: unknown[]) => unknown).bind(v) : got;
    },
    has: (_, key) => Reflect.has(real(), key),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (target, key) => {
      const d = Reflect.getOwnPropertyDescriptor(real(), key);
      // A proxy may not call a property non-configurable unless its shape has it so (an array's length).
      if (d !== undefined && !Reflect.getOwnPropertyDescriptor(target, key)) d.configurable = true;
      return d;
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
}
