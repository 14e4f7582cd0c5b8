// A value shared by every copy of exitmon in one process (the ESM and the CJS
// build, two installed copies of this major version), kept on globalThis
// under a registered symbol, out of sight of enumeration.

/**
 * The value stored under `Symbol.for(key)`, created (and stored) on first use
 * or when what is stored fails `valid` (an incompatible copy's value is then
 * replaced for this copy only).
 */
export function processWide<T>(key: string, create: () => T, valid: (value: unknown) => value is T): T {
  const symbol = Symbol.for(key);
  const holder = globalThis as Record<symbol, unknown>;
  const existing = holder[symbol];
  if (valid(existing)) return existing;
  const created = create();
  if (existing === undefined) Object.defineProperty(holder, symbol, { value: created, configurable: true, writable: true });
  return created;
}
