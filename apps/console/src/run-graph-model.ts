import type { Step, StepDefinition } from './api';

/** A box of the run's graph: a step of the definition, a `forEach` item, a hand-off hop, or the items not drawn. */
export interface GraphNode {
  key: string;
  kind: 'step' | 'forEach' | 'workflow' | 'item' | 'hop' | 'more';
  /** The entry of this key in `GET /v1/runs/:id`; absent for a step no entry exists for yet, and for `more`. */
  entry?: Step;
  /** What runs it: the agent, `workflow <template>`, `forEach`. */
  detail: string;
}

export interface GraphEdge { id: string; from: string; to: string; kind: 'needs' | 'item' | 'handoff' }

/** A `forEach` with more items than this draws the first ones and one box for the rest. */
export const MAX_ITEMS_DRAWN = 40;

const HOP = /^(.*)>handoff:(\d+)$/;
const ITEM = /^(.*)\[(\d+)\]$/;

/**
 * The graph of a run: its definition's steps joined by `needs`, each `forEach` step fanned out to
 * its items and gathered again into the steps that need it, and each hand-off chain as a line of
 * hops (`classify` → `classify>handoff:1` → …). Entries are matched by key (API.md).
 */
export function runGraph(definition: Record<string, unknown> | undefined, entries: Step[]): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const items = new Map<string, string[]>();
  const hops = new Map<string, string[]>();
  const steps = Array.isArray(definition?.steps) ? (definition.steps as StepDefinition[]) : [];

  for (const step of steps) {
    const kind = step.forEach !== undefined ? 'forEach' : step.workflow !== undefined ? 'workflow' : 'step';
    const detail = step.workflow !== undefined ? `workflow ${step.workflow}` : step.forEach !== undefined ? `forEach · ${step.agent ?? ''}` : step.agent ?? '';
    nodes.set(step.id, { key: step.id, kind, entry: byKey.get(step.id), detail });
  }
  // Entries in run order: a child follows its parent, so parents are known first.
  for (const entry of entries) {
    if (nodes.has(entry.key)) continue;
    const hop = HOP.exec(entry.key);
    const item = hop ? undefined : ITEM.exec(entry.key);
    if (hop) push(hops, hop[1]!, entry.key);
    else if (item) push(items, item[1]!, entry.key);
    nodes.set(entry.key, { key: entry.key, kind: hop ? 'hop' : item ? 'item' : 'step', entry, detail: entry.agent ?? '' });
  }
  const edge = (from: string, to: string, kind: GraphEdge['kind']) => {
    if (nodes.has(from) && nodes.has(to)) edges.set(`${from}→${to}`, { id: `${from}→${to}`, from, to, kind });
  };
  for (const [parent, list] of items) {
    const drawn = list.slice(0, MAX_ITEMS_DRAWN);
    for (const key of list.slice(MAX_ITEMS_DRAWN)) {
      nodes.delete(key);
      for (const hop of hops.get(key) ?? []) nodes.delete(hop);
    }
    if (list.length > drawn.length) {
      const more = `${parent}[…]`;
      nodes.set(more, { key: more, kind: 'more', detail: `${list.length - drawn.length} more items` });
      drawn.push(more);
      items.set(parent, drawn);
    }
    for (const key of drawn) edge(parent, key, 'item');
  }
  for (const [base, list] of hops) {
    const chain = list.sort((a, b) => hopNumber(a) - hopNumber(b));
    chain.forEach((key, i) => edge(i === 0 ? base : chain[i - 1]!, key, 'handoff'));
  }
  /** Where a step's result leaves it: its items (each through its hops), its last hop, or itself. */
  const exits = (key: string): string[] => {
    const children = items.get(key);
    if (children && children.length > 0) return children.flatMap(exits);
    const chain = hops.get(key);
    return chain && chain.length > 0 ? [chain.at(-1)!] : [key];
  };
  for (const step of steps) for (const need of step.needs ?? []) for (const from of exits(need)) edge(from, step.id, 'needs');
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const hopNumber = (key: string): number => Number(HOP.exec(key)?.[2] ?? 0);
