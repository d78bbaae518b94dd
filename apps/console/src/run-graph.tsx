import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { Step } from './api';
import { elapsed, formatDuration } from './format';
import { layoutGraph, NODE_HEIGHT, NODE_WIDTH, type Layout, type Point } from './graph-layout';
import type { GraphEdge, GraphNode } from './run-graph-model';
import { statusIcon } from './status';

const MIN_SCALE = 0.6;

const path = (points: Point[]): string => points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ');

const statusOf = (node: GraphNode): string => node.entry?.status ?? (node.kind === 'more' ? 'more' : 'pending');

function durationOf(entry: Step | undefined): string | undefined {
  const ms = elapsed(entry?.startedAt, entry?.finishedAt);
  return ms === undefined ? undefined : formatDuration(ms);
}

/** What a node says to a screen reader: everything the box shows. */
function describe(node: GraphNode): string {
  const e = node.entry;
  const parts = [`${node.key}: ${statusOf(node)}`, node.detail];
  if (e && e.attempts > 0) parts.push(`${e.attempts} attempt${e.attempts === 1 ? '' : 's'}`);
  const d = durationOf(e);
  if (d) parts.push(d);
  if (e?.childRunId) parts.push('has a child run');
  return parts.filter(Boolean).join(', ');
}

/**
 * The run's DAG: ELK places the boxes, an SVG draws the edges under them. Each box is a button
 * (Tab reaches it, Enter or Space selects it, arrow keys move between boxes) whose status is
 * written and iconed as well as coloured.
 */
export function RunGraph({ nodes, edges, selected, onSelect }: { nodes: GraphNode[]; edges: GraphEdge[]; selected?: string; onSelect: (key: string) => void }) {
  const [layout, setLayout] = useState<Layout>();
  const [failed, setFailed] = useState<string>();
  const [room, setRoom] = useState<number>();
  const scroller = useRef<HTMLDivElement>(null);
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  // Only a change of shape lays the graph out again; a change of status just repaints.
  const shape = useMemo(() => JSON.stringify([nodes.map((n) => n.key), edges.map((e) => e.id)]), [nodes, edges]);
  useEffect(() => {
    let live = true;
    layoutGraph(nodes, edges).then((l) => live && setLayout(l), (err: unknown) => live && setFailed(String(err)));
    return () => void (live = false);
  }, [shape]);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setRoom(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, [layout !== undefined]);

  if (failed) return <p className="error">The graph could not be laid out: {failed}</p>;
  if (!layout) return <p className="muted">Laying out the graph…</p>;

  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
    if (step === undefined) return;
    event.preventDefault();
    const next = nodes[(index + step + nodes.length) % nodes.length];
    if (next) buttons.current.get(next.key)?.focus();
  };

  // A wide graph shrinks to fit (down to MIN_SCALE); past that it scrolls.
  const scale = room ? Math.max(MIN_SCALE, Math.min(1, room / layout.width)) : 1;
  return (
    <div className="graph-scroll" ref={scroller}>
      <div style={{ width: layout.width * scale, height: layout.height * scale }}>
      <div className="graph" style={{ width: layout.width, height: layout.height, transform: `scale(${scale})` }} role="group" aria-label="Steps of the run">
        <svg width={layout.width} height={layout.height} aria-hidden="true">
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" className="arrow-head" />
            </marker>
          </defs>
          {edges.map((e) => {
            const route = layout.routes.get(e.id);
            return route ? <path key={e.id} d={path(route)} className={`edge edge-${e.kind}`} markerEnd="url(#arrow)" /> : null;
          })}
        </svg>
        {nodes.map((node, index) => {
          const at = layout.positions.get(node.key);
          if (!at) return null;
          const status = statusOf(node);
          const e = node.entry;
          const duration = durationOf(e);
          return (
            <button
              key={node.key}
              ref={(el) => void (el ? buttons.current.set(node.key, el) : buttons.current.delete(node.key))}
              type="button"
              className={`node node-${node.kind} status-${status}${selected === node.key ? ' selected' : ''}`}
              style={{ left: at.x, top: at.y, width: NODE_WIDTH, height: NODE_HEIGHT }}
              aria-pressed={selected === node.key}
              aria-label={describe(node)}
              data-key={node.key}
              data-status={status}
              disabled={node.kind === 'more'}
              onClick={() => onSelect(node.key)}
              onKeyDown={(event) => onKeyDown(event, index)}
            >
              <span className="node-title">
                <span className="node-icon" aria-hidden="true">{node.kind === 'more' ? '…' : statusIcon(status)}</span>
                <span className="node-key">{node.key}</span>
              </span>
              <span className="node-detail">{node.detail}{e?.childRunId ? ' ↗' : ''}</span>
              {node.kind !== 'more' && (
                <span className="node-meta">
                  <span className="node-status">{status}</span>
                  {e && e.attempts > 1 && <span>×{e.attempts}</span>}
                  {duration && <span>{duration}</span>}
                </span>
              )}
            </button>
          );
        })}
      </div>
      </div>
    </div>
  );
}
