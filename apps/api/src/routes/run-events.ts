import { Router, type Request } from 'express';
import { z } from 'zod';
import { BatonError } from '@baton/core';
import { getRunHistory, historyEnded, readHistory, MAX_HISTORY_PAGE, type HistorySlice, type UseCaseDeps } from '@baton/runtime';
import { principalOf } from '../auth-middleware';
import { guard } from '../route-permissions';
import { parseRequest } from '../parse-request';
import { allowQuery } from '../query-params';
import type { RunEventHub } from '../run-event-hub';
import { SseStream } from '../sse-stream';

const single = (name: string) => z.string({ invalid_type_error: `${name} must be given once` });
const seqOf = (name: string) => single(name).regex(/^\d{1,9}$/, 'must be an event sequence number (an integer from 0)').transform(Number);

export const HistoryQuery = z.object({
  after: seqOf('after').optional().describe('the events after this sequence number (a page\'s `nextCursor`)'),
  limit: single('limit')
    .regex(/^\d{1,6}$/, `must be an integer from 1 to ${MAX_HISTORY_PAGE}`)
    .transform(Number)
    .pipe(z.number().min(1, `must be an integer from 1 to ${MAX_HISTORY_PAGE}`).max(MAX_HISTORY_PAGE, `must be an integer from 1 to ${MAX_HISTORY_PAGE}`))
    .optional()
    .describe(`page size, 1 to ${MAX_HISTORY_PAGE}`),
});
export const EventsQuery = z.object({ after: seqOf('after').optional().describe('replay the events after this sequence number (`Last-Event-ID` wins)') });

/** Live events held for a stream while it replays; past this many it is ended (it resumes with Last-Event-ID). */
const MAX_PENDING_EVENTS = 10_000;

export interface RunEventRoutesOptions {
  /** Live delivery; absent, `GET /v1/runs/:id/events` answers 501 NOT_CONFIGURED. */
  hub?: RunEventHub;
  /** `BATON_SSE_HEARTBEAT_MS`. @defaultValue 15000 */
  heartbeatMs?: number;
  /** `BATON_SSE_MAX_BUFFER_BYTES`. @defaultValue 1048576 */
  maxBufferedBytes?: number;
}

/** Where a stream starts: `Last-Event-ID` (a browser's reconnect) over `?after=`, else the beginning. */
function resumePoint(req: Request): number {
  const { after } = parseRequest(EventsQuery, req.query, 'query', undefined);
  const header = req.get('last-event-id');
  if (header === undefined) return after ?? 0;
  return parseRequest(seqOf('Last-Event-ID'), header, 'Last-Event-ID header', 'Last-Event-ID');
}

/** `GET /v1/runs/:id/history` (pages of events) and `GET /v1/runs/:id/events` (the same events as Server-Sent Events, replayed then live). */
export function runEventRoutes(deps: Pick<UseCaseDeps, 'queries'>, options: RunEventRoutesOptions): Router {
  const router = Router();
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;

  router.get('/v1/runs/:id/history', guard('GET /v1/runs/:id/history'), allowQuery('after', 'limit'), async (req, res) => {
    const query = parseRequest(HistoryQuery, req.query, 'query', undefined);
    res.json(await getRunHistory(deps, principalOf(req), { id: req.params.id, ...query }));
  });

  router.get('/v1/runs/:id/events', guard('GET /v1/runs/:id/events'), allowQuery('after'), async (req, res) => {
    let seen = resumePoint(req);
    const { hub } = options;
    if (!hub) throw new BatonError('NOT_CONFIGURED', 'live run events are not configured on this api');
    const principal = principalOf(req);
    const id = req.params.id;
    const stream = new SseStream(res, { maxBufferedBytes });
    let replaying = true;
    let pending: HistorySlice[] = [];
    let pendingEvents = 0;
    let heartbeat: NodeJS.Timeout | undefined;

    /** Writes the slice's events not sent yet; ends the stream after the run's last event. */
    const deliver = (slice: HistorySlice): void => {
      for (const event of slice.events) {
        if (event.seq <= seen) continue;
        if (!stream.send(event)) return; // ended, or dropped: read too slowly
        seen = event.seq;
      }
      if (historyEnded(slice, seen)) stream.end();
    };
    // Subscribed before the replay reads: an event committed meanwhile reaches one or the other (dedupe by seq).
    const watch = hub.watch(principal.tenant, id, seen, (slice) => {
      if (!replaying) return deliver(slice);
      pending.push(slice);
      pendingEvents += slice.events.length;
      if (pendingEvents > MAX_PENDING_EVENTS) stream.end();
    });
    const untrack = hub.track(() => stream.end());
    const stop = () => {
      clearInterval(heartbeat);
      watch.close();
      untrack();
    };
    res.on('close', () => {
      stop();
      if (stream.dropped) req.log.warn('run event stream dropped: its client read too slowly', { lastEventId: seen });
    });
    try {
      // The first read answers 404 (another tenant's run, an unknown id) before any header is sent.
      let slice = await readHistory(deps, principal, id, seen, MAX_HISTORY_PAGE);
      stream.open();
      heartbeat = setInterval(() => {
        stream.heartbeat();
        if (!stream.closed) watch.poll();
      }, heartbeatMs);
      for (;;) {
        for (const event of slice.events) {
          if (event.seq <= seen) continue;
          // Replay waits for the client instead of buffering: its pace is the client's.
          if (!(await stream.room()) || !stream.send(event)) return;
          seen = event.seq;
        }
        if (historyEnded(slice, seen)) return stream.end();
        if (slice.events.length < MAX_HISTORY_PAGE || stream.closed) break;
        slice = await readHistory(deps, principal, id, seen, MAX_HISTORY_PAGE);
      }
      replaying = false;
      watch.caughtUp(seen);
      const queued = pending;
      pending = [];
      for (const s of queued) if (!stream.closed) deliver(s);
    } catch (err) {
      stop();
      if (!res.headersSent) throw err;
      // Postgres failed mid-stream: end it, the client resumes from its last id.
      req.log.warn('run event stream failed', { error: String(err) });
      stream.end();
    }
  });

  return router;
}
