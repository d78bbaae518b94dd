import type { Problem } from './problem';
import { stepReferences } from './step-references';

/** An expression that parses, where it stands, and which step reads it (undefined: the run's `output`). */
export interface ExpressionSite {
  path: string;
  source: string;
  step?: number;
}

/**
 * `$steps.<id>` must name a step the reader runs after: an ancestor through `needs`, or any step
 * for the run's `output`. Otherwise the value would depend on timing, or a typo would silently
 * read nothing. `$steps.queue-low` (a subtraction in JSONata) is refused with the backquoted form.
 * `ids[i]` and `needs[i]` are step i's; fields of the wrong type are left to the schema.
 */
export function referenceProblems(sites: readonly ExpressionSite[], ids: readonly (string | undefined)[], needs: readonly unknown[]): Problem[] {
  const refs = stepReferences(sites.map((s) => s.source));
  const indexById = new Map<string, number>();
  ids.forEach((id, i) => id !== undefined && !indexById.has(id) && indexById.set(id, i));
  // Ancestor sets as bitsets, built on first need: every step reading the first of a 1,000-step
  // chain costs 1,000 unions of 32 words, not half a million set entries.
  const words = Math.ceil(ids.length / 32);
  const ancestors = new Map<number, Uint32Array>();
  const ancestorsOf = (step: number): Uint32Array => {
    let bits = ancestors.get(step);
    if (bits) return bits;
    bits = new Uint32Array(words);
    ancestors.set(step, bits); // set first: a cycle (reported elsewhere) ends here
    const list = needs[step];
    for (const need of Array.isArray(list) ? list : []) {
      const index = typeof need === 'string' ? indexById.get(need) : undefined;
      if (index === undefined) continue;
      bits[index >> 5]! |= 1 << (index & 31);
      const up = ancestorsOf(index);
      for (let w = 0; w < words; w++) bits[w]! |= up[w]!;
    }
    return bits;
  };
  const isAncestor = (step: number, id: string): boolean => {
    const list = needs[step];
    if (Array.isArray(list) && list.includes(id)) return true;
    const index = indexById.get(id)!;
    return (ancestorsOf(step)[index >> 5]! & (1 << (index & 31))) !== 0;
  };

  const problems: Problem[] = [];
  const reported = new Set<string>();
  for (const { path, source, step } of sites) {
    for (const ref of refs.get(source)!) {
      const message = problemOf(ref.kind, ref.id, step === undefined ? undefined : ids[step], () => indexById.has(ref.id), () => isAncestor(step!, ref.id));
      const key = `${path}\u0000${message}`;
      if (message !== undefined && !reported.has(key)) problems.push({ path, message });
      reported.add(key);
    }
  }
  return problems;
}

function problemOf(kind: 'step' | 'hyphen', id: string, reader: string | undefined, exists: () => boolean, isAncestor: () => boolean): string | undefined {
  if (kind === 'hyphen') return `$steps.${id} is read as a subtraction: write a step id with '-' in backquotes, $steps.\`${id}\``;
  if (!exists()) return `$steps.${id}: no step has the id '${id}'`;
  if (reader === undefined || isAncestor()) return undefined;
  if (id === reader) return `$steps.${id}: a step cannot read its own result`;
  return `$steps.${id}: step '${id}' is not among the steps '${reader}' needs (directly or through them), so it may not have run yet; add it to needs`;
}
