// `instanceof` across copies of exitmon. The ESM and the CJS build (or two
// installed copies) each define their own ExitMonitor and Reaper classes, but
// Reaper.shared() hands every copy the same objects: a monitor of one copy
// must pass `monitor instanceof ExitMonitor` in another (new Reaper(monitor),
// ServiceManager's options, user code). Instances carry a process-wide brand
// on their prototype; the class accepts the brand of its own name. They work
// across copies because exitmon only ever calls their public methods.

/**
 * Brands `cls`'s instances as `name` and lets `instanceof cls` accept
 * instances branded so by any copy of exitmon (subclasses still need a real
 * prototype chain).
 */
export function shareInstanceof(cls: abstract new (...args: never[]) => object, name: string): void {
  const brand = Symbol.for(`exitmon.class.${name}.v1`);
  Object.defineProperty(cls.prototype, brand, { value: true });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
      return this === cls && typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
    },
  });
}
