import type { ServerResponse } from 'node:http';

export interface SseStreamOptions {
  /** Bytes of events a stream may hold for its client (queued and unsent); past them the client is dropped. */
  maxBufferedBytes: number;
}

/** An event's frame, built once however many streams send it. */
const frames = new WeakMap<object, string>();

function frameOf(event: { type: string; seq: number }): string {
  let frame = frames.get(event);
  // A type is a plain word (`step.succeeded`) and JSON holds no raw newline: a frame cannot be forged.
  if (frame === undefined) frames.set(event, (frame = `event: ${event.type}\nid: ${event.seq}\ndata: ${JSON.stringify(event)}\n\n`));
  return frame;
}

/**
 * Server-Sent Events on one response. Events are queued and written as fast as the client takes
 * them. A client is dropped (its connection destroyed; it resumes with Last-Event-ID) when the
 * events held for it pass `maxBufferedBytes`, or when it took nothing between two heartbeats while
 * it had something to take: never buffered without bound, never held by a client that left.
 */
export class SseStream {
  private ended = false;
  /** Whether the stream was dropped for a client reading too slowly. */
  dropped = false;
  private readonly queue: string[] = [];
  private queuedBytes = 0;
  private drains = 0;
  /** `drains` at the last heartbeat when the client was behind then. */
  private behindAt?: number;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly res: ServerResponse, private readonly options: SseStreamOptions) {
    res.on('close', () => {
      this.ended = true;
      this.wake();
    });
    res.on('drain', () => {
      this.drains++;
      this.pump();
    });
    // The stream's liveness is its heartbeat, not the server's idle-socket timeout, which would cut
    // a healthy stream between two heartbeats when set below their interval.
    res.socket?.setTimeout(0);
  }

  open(): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // nginx and its kind would buffer the stream otherwise.
      'x-accel-buffering': 'no',
    });
    this.res.flushHeaders();
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Queues one event (a view with `type` and `seq`); false once the stream has ended or was dropped. */
  send(event: { type: string; seq: number }): boolean {
    if (this.ended) return false;
    const frame = frameOf(event);
    this.queue.push(frame);
    this.queuedBytes += frame.length;
    // One event always fits, however large: only a backlog drops a client.
    if (this.queue.length > 1 && this.queuedBytes > this.options.maxBufferedBytes) {
      this.drop();
      return false;
    }
    this.pump();
    return true;
  }

  /** Resolves when at most half the allowed bytes wait (true), or the stream ended (false): how a replay keeps its pace to the client's. */
  room(): Promise<boolean> {
    if (this.ended) return Promise.resolve(false);
    if (this.queuedBytes <= this.options.maxBufferedBytes / 2) return Promise.resolve(true);
    return new Promise((resolve) => this.waiters.push(() => resolve(!this.ended)));
  }

  /**
   * A comment line that keeps the connection (and proxies) open. A client that took nothing since
   * the previous heartbeat while it was already behind then is dropped.
   */
  heartbeat(): void {
    if (this.ended) return;
    const behind = this.res.writableNeedDrain;
    if (behind && this.behindAt === this.drains) return this.drop();
    this.behindAt = behind ? this.drains : undefined;
    if (!behind && this.queue.length === 0) this.res.write(': heartbeat\n\n');
  }

  /** Ends the stream once what is queued is written. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const frame of this.queue.splice(0)) this.res.write(frame);
    this.queuedBytes = 0;
    this.res.end();
    this.wake();
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.res.writableNeedDrain && !this.res.destroyed) {
      const frame = this.queue.shift()!;
      this.queuedBytes -= frame.length;
      this.res.write(frame);
    }
    if (this.queuedBytes <= this.options.maxBufferedBytes / 2) this.wake();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private drop(): void {
    this.dropped = true;
    this.ended = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.res.destroy();
    this.wake();
  }
}
