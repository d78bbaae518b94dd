import { createParser } from 'eventsource-parser';
import { BatonApiError } from './baton-api-error';
import type { RunEvent } from './types';

/** Options of {@link BatonClient.events}. */
export interface RunEventsOptions {
  /** Start after this sequence number: 0 (the default) replays the run's events from the first. */
  after?: number;
  /** Ends the iteration: it rejects with the signal's reason and closes the connection. */
  signal?: AbortSignal;
  /** First wait before reconnecting a broken stream; it doubles up to `maxReconnectDelayMs` while the api cannot be reached. @defaultValue 500 */
  reconnectDelayMs?: number;
  /** @defaultValue 30000 */
  maxReconnectDelayMs?: number;
}

/** What the iterator needs of the client: opening the stream (an error answer thrown as BatonApiError) and reading the run. */
export interface RunEventSource {
  openEvents(id: string, lastEventId: number, signal: AbortSignal | undefined): Promise<Response>;
  runStatus(id: string, signal: AbortSignal | undefined): Promise<string>;
}

/** The events after which the api ends a run's stream. */
const FINAL_EVENTS = new Set(['run.succeeded', 'run.failed', 'run.cancelled']);
const FINAL_STATUSES = new Set(['succeeded', 'failed', 'cancelled']);

/** Worth reconnecting: no answer, rate limited, or the api or a dependency briefly down. */
const transient = (err: unknown): boolean => err instanceof BatonApiError && (err.status === 0 || err.status === 429 || err.status >= 500) && err.code !== 'NOT_CONFIGURED';

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A run's events in order, each once: replayed from `after`, then live, until the stream ends
 * after the run's final event. A stream that breaks (the api restarting, the network, a client
 * too slow) is reopened with `Last-Event-ID`, so none is lost or repeated.
 * @throws BatonApiError an error answer that retrying cannot fix (RUN_NOT_FOUND, FORBIDDEN, …)
 */
export async function* runEvents(source: RunEventSource, id: string, options: RunEventsOptions = {}): AsyncGenerator<RunEvent, void, undefined> {
  const { signal } = options;
  const baseDelay = options.reconnectDelayMs ?? 500;
  const maxDelay = options.maxReconnectDelayMs ?? 30_000;
  let seen = options.after ?? 0;
  let last: RunEvent | undefined;
  let delay = baseDelay;
  for (;;) {
    signal?.throwIfAborted();
    let response: Response;
    try {
      response = await source.openEvents(id, seen, signal);
    } catch (err) {
      if (signal?.aborted || !transient(err)) throw err;
      await sleep(Math.max(delay, ((err as BatonApiError).retryAfter ?? 0) * 1000), signal);
      delay = Math.min(delay * 2, maxDelay);
      continue;
    }
    let received = 0;
    let broken = false;
    const queue: RunEvent[] = [];
    const parser = createParser({
      onEvent: (message) => {
        const event = JSON.parse(message.data) as RunEvent;
        if (event.seq > seen) queue.push(event);
      },
      onRetry: (ms) => {
        delay = Math.min(Math.max(ms, 0), maxDelay);
      },
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
        for (let event = queue.shift(); event; event = queue.shift()) {
          if (event.seq <= seen) continue;
          seen = event.seq;
          last = event;
          received++;
          yield event;
        }
      }
    } catch {
      if (signal?.aborted) throw signal.reason;
      broken = true;
    } finally {
      // Also when the caller stops iterating: the connection is closed.
      reader.cancel().catch(() => undefined);
    }
    if (!broken) {
      if (last && FINAL_EVENTS.has(last.type)) return;
      // Ended with nothing new: the run's history is complete when the run is final.
      if (received === 0 && FINAL_STATUSES.has(await source.runStatus(id, signal))) return;
    }
    if (received > 0) delay = baseDelay;
    await sleep(received > 0 && !broken ? 0 : delay, signal);
    if (received === 0) delay = Math.min(delay * 2, maxDelay);
  }
}
