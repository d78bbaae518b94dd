/**
 * Finds cycles in a directed graph given as adjacency lists (`edges[i]` lists the nodes `i` points
 * to), with one iterative depth-first search: linear in nodes and edges, and no recursion, so a
 * 1,000-deep chain cannot overflow the stack. Each back edge yields one cycle, so no cycle is
 * reported twice; each starts at its lowest node and does not repeat it at the end.
 */
export function findCycles(edges: readonly (readonly number[])[], limit = Infinity): number[][] {
  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const color = new Uint8Array(edges.length);
  // While a node is grey: its position on the path and how many of its edges were followed.
  const depth = new Uint32Array(edges.length);
  const followed = new Uint32Array(edges.length);
  const path: number[] = [];
  const cycles: number[][] = [];
  for (let root = 0; root < edges.length && cycles.length < limit; root++) {
    if (color[root] !== WHITE) continue;
    color[root] = GREY;
    path.push(root);
    while (path.length > 0 && cycles.length < limit) {
      const node = path[path.length - 1]!;
      const next = edges[node]![followed[node]!++];
      if (next === undefined) {
        color[node] = BLACK;
        path.pop();
      } else if (color[next] === WHITE) {
        color[next] = GREY;
        depth[next] = path.length;
        path.push(next);
      } else if (color[next] === GREY) {
        cycles.push(fromLowest(path.slice(depth[next])));
      }
    }
  }
  return cycles;
}

function fromLowest(cycle: number[]): number[] {
  let start = 0;
  for (let i = 1; i < cycle.length; i++) if (cycle[i]! < cycle[start]!) start = i;
  return [...cycle.slice(start), ...cycle.slice(0, start)];
}
