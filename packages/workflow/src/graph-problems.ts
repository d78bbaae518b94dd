import { findCycles } from './find-cycles';
import type { Problem } from './problem';

/** Beyond this many, further cycles are not looked for: the list would only grow with the input. */
const MAX_CYCLES = 100;

/**
 * Duplicate ids, `needs` naming no step, the step itself or one step twice, and cycles
 * (`a -> b -> a`: a needs b, b needs a). `ids[i]` is step i's id, or undefined when it has none.
 */
export function graphProblems(ids: readonly (string | undefined)[], needs: readonly unknown[]): Problem[] {
  const problems: Problem[] = [];
  const indexById = new Map<string, number>();
  ids.forEach((id, i) => {
    if (id === undefined) return;
    const first = indexById.get(id);
    if (first === undefined) indexById.set(id, i);
    else problems.push({ path: `steps[${i}].id`, message: `duplicate step id '${id}' (first at steps[${first}])` });
  });

  const edges = ids.map((id, i) => {
    const list = needs[i];
    const targets: number[] = [];
    if (id === undefined || !Array.isArray(list)) return targets;
    const seen = new Set<unknown>();
    list.forEach((need: unknown, j) => {
      if (typeof need !== 'string') return; // the schema reports it
      const target = indexById.get(need);
      const path = `steps[${i}].needs[${j}]`;
      if (seen.has(need)) problems.push({ path, message: `'${need}' is listed twice` });
      else if (need === id) problems.push({ path, message: 'a step cannot need itself' });
      else if (target === undefined) problems.push({ path, message: `unknown step '${need}'` });
      else targets.push(target);
      seen.add(need);
    });
    return targets;
  });

  for (const cycle of findCycles(edges, MAX_CYCLES)) {
    const names = [...cycle, cycle[0]!].map((i) => ids[i]);
    problems.push({ path: `steps[${cycle[0]}].needs`, message: `needs form a cycle: ${names.join(' -> ')}` });
  }
  return problems;
}
