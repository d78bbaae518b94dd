import type { ElkNode } from 'elkjs/lib/elk.bundled.js';
import type { GraphEdge, GraphNode } from './run-graph-model';

export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 64;

export interface Point { x: number; y: number }
export interface Layout {
  width: number;
  height: number;
  positions: Map<string, Point>;
  /** Each edge as the points of its path, start to end. */
  routes: Map<string, Point[]>;
}

type Elk = { layout(graph: ElkNode): Promise<ElkNode> };
let elk: Promise<Elk> | undefined;

// ELK is large: loaded on the first run page, not with the console.
const loadElk = (): Promise<Elk> => (elk ??= import('elkjs/lib/elk.bundled.js').then(({ default: ELK }) => new ELK()));

/** Starts loading ELK (a run page does, while it fetches the run). */
export function preloadLayout(): void {
  loadElk().catch(() => (elk = undefined));
}

/** Lays the graph out left to right (ELK's layered algorithm, orthogonal edges). */
export async function layoutGraph(nodes: GraphNode[], edges: GraphEdge[]): Promise<Layout> {
  const graph: ElkNode = {
    id: 'run',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '56',
      'elk.spacing.nodeNode': '18',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      // Items top to bottom in their order, steps in definition order.
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      'elk.padding': '[top=16,left=16,bottom=16,right=16]',
    },
    children: nodes.map((n) => ({ id: n.key, width: NODE_WIDTH, height: NODE_HEIGHT })),
    edges: edges.map((e) => ({ id: e.id, sources: [e.from], targets: [e.to] })),
  };
  const done = await (await loadElk()).layout(graph);
  const positions = new Map<string, Point>();
  for (const child of done.children ?? []) positions.set(child.id, { x: child.x ?? 0, y: child.y ?? 0 });
  const routes = new Map<string, Point[]>();
  for (const e of done.edges ?? []) {
    const section = e.sections?.[0];
    if (section) routes.set(e.id, [section.startPoint, ...(section.bendPoints ?? []), section.endPoint]);
  }
  return { width: done.width ?? 0, height: done.height ?? 0, positions, routes };
}
