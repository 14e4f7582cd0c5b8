// The dependency graph of the services: who waits for whom at start, and who
// must be gone before whom at stop. `after` edges point from a service to the
// services it needs.

/** A node of the graph: a service name and the names it starts after. */
export interface GraphNode {
  readonly name: string;
  readonly after: readonly string[];
}

/**
 * A dependency cycle, as the path of names that closes it
 * (`['a', 'b', 'c', 'a']`), or undefined when the graph is acyclic.
 * Edges to unknown names are ignored (they are reported separately).
 */
export function findCycle(nodes: readonly GraphNode[]): string[] | undefined {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  // 0 unvisited, 1 on the current path, 2 done: the classic three-colour DFS.
  const colour = new Map<string, 0 | 1 | 2>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    colour.set(name, 1);
    path.push(name);
    for (const dep of byName.get(name)?.after ?? []) {
      if (!byName.has(dep)) continue;
      const c = colour.get(dep) ?? 0;
      if (c === 1) return [...path.slice(path.indexOf(dep)), dep];
      if (c === 0) {
        const cycle = visit(dep);
        if (cycle !== undefined) return cycle;
      }
    }
    path.pop();
    colour.set(name, 2);
    return undefined;
  };
  for (const node of nodes) {
    if ((colour.get(node.name) ?? 0) === 0) {
      const cycle = visit(node.name);
      if (cycle !== undefined) return cycle;
    }
  }
  return undefined;
}

/** For each service, the services that list it in `after` (those stopped before it). */
export function dependentsOf(nodes: readonly GraphNode[]): Map<string, string[]> {
  const dependents = new Map<string, string[]>(nodes.map((n) => [n.name, []]));
  for (const node of nodes) for (const dep of node.after) dependents.get(dep)?.push(node.name);
  return dependents;
}

/**
 * Runs `stop` on every name, each only once the stops of its dependents
 * settled (rejected ones too), independent ones at once; resolves with every
 * outcome, in the order of `names`. The graph is acyclic (findCycle), so
 * building the promises depth-first terminates.
 */
export function inReverseOrder<T>(names: readonly string[], dependents: ReadonlyMap<string, readonly string[]>, stop: (name: string) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  const stops = new Map<string, Promise<T>>();
  const stopOf = (name: string): Promise<T> => {
    let done = stops.get(name);
    if (done === undefined) {
      const before = (dependents.get(name) ?? []).map(stopOf);
      done = Promise.allSettled(before).then(() => stop(name));
      stops.set(name, done);
    }
    return done;
  };
  return Promise.allSettled(names.map(stopOf));
}
