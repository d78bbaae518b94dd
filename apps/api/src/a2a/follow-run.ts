import type { RunQueries, RunView } from '@baton/runtime';
import type { RunEventHub } from '../run-event-hub';
import { isSettled, stateOf } from './task-of-run';

/** How often a followed run is read again whatever Redis announced (pub/sub may lose a message). */
const CATCH_UP_MS = 2_000;

/** The largest event number: a read after it finds no event, only the run's last number. */
const LAST = 2_147_483_647;

export interface FollowRunOptions {
  hub: RunEventHub;
  queries: Pick<RunQueries, 'history'>;
  tenant: string;
  id: string;
  /** The run as its client sees it (`getRun`): read once at the start and after each batch of new events. */
  read: () => Promise<RunView>;
  /** Ends the following (the client went away). */
  signal: AbortSignal;
}

/**
 * The run's view now, then again each time it has new events (the api's run event hub, the same
 * that feeds `GET /v1/runs/:id/events`), until it ends or waits for a signal.
 */
export async function* followRun({ hub, queries, tenant, id, read, signal }: FollowRunOptions): AsyncGenerator<RunView> {
  let changed = true;
  let wake: (() => void) | undefined;
  const head = await queries.history(tenant, id, LAST, 1);
  const watch = hub.watch(tenant, id, head?.lastSeq ?? 0, (slice) => {
    if (slice.events.length === 0) return;
    changed = true;
    wake?.();
  });
  const timer = setInterval(() => watch.poll(), CATCH_UP_MS);
  const stop = () => wake?.();
  signal.addEventListener('abort', stop);
  try {
    while (!signal.aborted) {
      if (!changed) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (signal.aborted) return;
      changed = false;
      const view = await read();
      yield view;
      if (isSettled(stateOf(view))) return;
    }
  } finally {
    clearInterval(timer);
    watch.close();
    signal.removeEventListener('abort', stop);
  }
}
