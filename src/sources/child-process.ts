// Deprecated location, kept so that branches written against 0.1 still build:
// runtime ownership now lives in ownership.ts (one module for who may reap what).
export { ownedChildProcess, isOwnedByRuntime as isOwnedByChildProcess } from './ownership.js';
