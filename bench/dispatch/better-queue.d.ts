// The slice of better-queue 3.8 the dispatch baseline uses (the package ships no types).
declare module 'better-queue' {
  type Done = (error?: unknown, result?: unknown) => void;
  class BetterQueue<T> {
    constructor(process: (task: T, done: Done) => void, options?: Record<string, unknown>);
    push(task: T, callback?: Done): unknown;
    destroy(callback: () => void): void;
  }
  export default BetterQueue;
}
