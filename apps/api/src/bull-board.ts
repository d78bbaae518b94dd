import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Router, type RequestHandler } from 'express';
import { can } from '@baton/auth';
import { BatonError } from '@baton/core';
import { isPayloadRef } from '@baton/engine';
import type { AgentQueue } from '@baton/queue';
import { payloadLink } from '@baton/runtime';
import { principalOf, type RouteGuard } from './auth-middleware';

/** Where Bull Board is served. */
export const BOARD_PATH = '/admin/queues';

/** The agent queues the board shows (a port: `startApi` gives the agent registry and Baton's `BullmqStepQueue`). */
export interface BoardQueues {
  /** Every agent a worker has ever registered. */
  agents(): Promise<Iterable<string>>;
  /** The BullMQ queue of an agent, on Baton's prefix and connection. */
  queue(agent: string): AgentQueue;
}

export interface BullBoardOptions {
  /** Put in front of the whole board: its entry of the route table (whose `routeKey` the returned router carries). */
  guard: RouteGuard;
  /** How long the list of agents is reused before the registry is asked again. @defaultValue 2000 */
  refreshMs?: number;
}

/** A value stored by reference stays a reference on the board, shown as the link the API serves it at. */
function readableData(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 64) return value;
  if (isPayloadRef(value)) return { ...payloadLink(value.$batonPayload), bytes: value.bytes };
  if (Array.isArray(value)) return value.map((v) => readableData(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readableData(v, depth + 1)]));
}

const READS = new Set(['GET', 'HEAD']);

/**
 * Bull Board over every agent queue, mounted at {@link BOARD_PATH} behind authentication and
 * `options.guard`. Callers who may not `dashboard.write` (operators) get a second board
 * whose queues are read-only, and any request of theirs that is not a read is a 403, whatever the
 * UI offers. The queue list follows the registry, so a new agent's queue shows without a restart.
 */
export function bullBoard(queues: BoardQueues, options: BullBoardOptions): Router {
  const refreshMs = options.refreshMs ?? 2000;
  const board = (readOnlyMode: boolean) => {
    const server = new ExpressAdapter().setBasePath(BOARD_PATH);
    // @bull-board/express types itself against its own copy of @bull-board/api: the same interface.
    const api = createBullBoard({ queues: [], serverAdapter: server as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'], options: { uiConfig: { boardTitle: 'Baton queues' } } });
    // An Express app: called with a `next`, it hands back what it does not answer.
    const app = server.getRouter() as RequestHandler & { disable(setting: string): void };
    app.disable('x-powered-by');
    return { api, app, readOnlyMode };
  };
  const boards = { full: board(false), readOnly: board(true) };
  const shown = new Set<string>();

  const adapter = (queue: AgentQueue, readOnlyMode: boolean) => {
    const a = new BullMQAdapter(queue, { readOnlyMode, allowRetries: !readOnlyMode });
    a.setFormatter('data', readableData);
    return a;
  };
  const show = async () => {
    const fresh = [...await queues.agents()].filter((agent) => !shown.has(agent)).sort();
    if (fresh.length === 0) return;
    for (const b of [boards.full, boards.readOnly]) b.api.setQueues(fresh.map((agent) => adapter(queues.queue(agent), b.readOnlyMode)));
    for (const agent of fresh) shown.add(agent);
  };
  let refreshed: { at: number; done: Promise<void> } | undefined;
  const refresh = (): Promise<void> => {
    if (!refreshed || Date.now() - refreshed.at > refreshMs) {
      const done = show();
      done.catch(() => (refreshed = undefined));
      refreshed = { at: Date.now(), done };
    }
    return refreshed.done;
  };

  const router = Router();
  router.use(options.guard);
  router.use(async (req, res, next) => {
    const principal = principalOf(req);
    const writer = can(principal, 'dashboard.write');
    if (!writer && !READS.has(req.method)) throw new BatonError('FORBIDDEN', `the ${principal.role} role may only look at the queues`);
    await refresh();
    // As Express mounts a sub-app: the board's app takes the request over, and gives it back as ours.
    const parent = req.app as unknown as { request: object; response: object };
    (writer ? boards.full : boards.readOnly).app(req, res, (err?: unknown) => {
      Object.setPrototypeOf(req, parent.request);
      Object.setPrototypeOf(res, parent.response);
      next(err);
    });
  });
  // The route table's walk reads a mounted router's guard from the router itself.
  return Object.assign(router, { routeKey: (options.guard as { routeKey?: unknown }).routeKey });
}
