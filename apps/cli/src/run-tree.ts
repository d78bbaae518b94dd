import type { Run } from '@baton/client';
import { duration, type Output } from './output';

type Step = Run['steps'][number];

/**
 * A run's entries as an indented tree: each step under the first step it needs (the others it
 * needs named after it), forEach items and hand-off hops under their step. `needs` comes from the
 * definition when the caller has it (a template's); without it the steps are listed flat.
 */
export function runTree(run: Run, needs: Map<string, string[]>, out: Output): string[] {
  const byKey = new Map(run.steps.map((s) => [s.key, s]));
  const children = new Map<string, Step[]>();
  const roots: Step[] = [];
  for (const step of run.steps) {
    const parent = parentOf(step, byKey, needs);
    if (parent === undefined) roots.push(step);
    else children.set(parent, [...(children.get(parent) ?? []), step]);
  }
  const lines: string[] = [];
  const walk = (step: Step, depth: number) => {
    const others = step.key === step.id ? (needs.get(step.id) ?? []).slice(1) : [];
    const took = step.startedAt ? duration((step.finishedAt ? Date.parse(step.finishedAt) : Date.now()) - Date.parse(step.startedAt)) : '';
    const parts = [`${'  '.repeat(depth + 1)}${step.key}`, out.status(step.status), step.agent ? out.paint('dim', step.agent) : '',
      step.attempts > 1 ? `${step.attempts} attempts` : '', took, others.length > 0 ? out.paint('dim', `(also needs ${others.join(', ')})`) : '',
      step.childRunId ? out.paint('dim', `child run ${step.childRunId}`) : ''];
    lines.push(parts.filter(Boolean).join('  '));
    for (const child of children.get(step.key) ?? []) walk(child, depth + 1);
  };
  for (const root of roots) walk(root, 0);
  return lines;
}

/** `notify[3]` → `notify`; `classify>handoff:1` → `classify`; a step → the first step it needs. */
function parentOf(step: Step, byKey: Map<string, Step>, needs: Map<string, string[]>): string | undefined {
  const item = /^(.*)\[\d+\]$/.exec(step.key)?.[1] ?? /^(.*)>[^>]+$/.exec(step.key)?.[1];
  if (item !== undefined && byKey.has(item)) return item;
  if (step.key !== step.id) return undefined;
  return needs.get(step.id)?.find((id) => byKey.has(id));
}
