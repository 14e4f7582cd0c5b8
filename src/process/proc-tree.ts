// The process layer's view of process families in a /proc listing: a thin
// wrapper over src/proc/tree.ts, which holds the /proc knowledge. Stops build
// on these (stop-target.ts).
export { childrenOf, descendantsOf, processesInGroup } from '../proc/tree.js';
