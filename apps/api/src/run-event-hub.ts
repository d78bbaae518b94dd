import type { Redis } from 'ioredis';
import { subscribeRunEvents, type RunEventMark, type RunEventsSubscription } from '@baton/queue';
import type { HistorySlice } from '@baton/runtime';
import type { Logger } from '@baton/telemetry';

/** Reads a run's events after a number (`RunQueries.history` as a {@link HistorySlice}); undefined for a run the tenant does not have. */
export type ReadSlice = (tenant: string, runId: string, after: number, limit: number) => Promise<HistorySlice | undefined>;

/** Told of each slice of new events of the watched run (events may repeat ones it has: dedupe by `seq`). */
export type SliceListener = (slice: HistorySlice) => void;

export interface RunWatch {
  /** The watcher has every event up to `seq` (its replay): a feed it alone reads need not read them again. */
  caughtUp(seq: number): void;
  /** Reads the run's new events now, whatever was announced (a heartbeat's catch-up: pub/sub may lose a message). */
  poll(): void;
  close(): void;
}

export interface RunEventHubOptions {
  /** The api's client connection: the subscriber is ONE duplicate of it for the whole process. */
  redis: Redis;
  prefix: string;
  read: ReadSlice;
  logger: Logger;
  /** Events read per query. @defaultValue 1000 */
  pageSize?: number;
}

/** One run's readers in this process, and how far the process has read its history. */
interface Feed {
  tenant: string;
  runId: string;
  listeners: Set<SliceListener>;
  /** Every event up to here was handed to the listeners present when it was read. */
  seq: number;
  wanted: boolean;
  fetching: boolean;
}

/**
 * Live run events for every SSE stream of this process: one Redis subscription (one connection,
 * whatever the number of streams) hears each committed batch's marks; for a watched run whose mark
 * is past what was read, ONE read of Postgres per run fetches the new events and every stream of
 * that run gets them. Marks of runs nobody here watches cost a map lookup.
 */
export class RunEventHub {
  /** By run id, then tenant: a mark finds its feeds in one lookup. */
  private readonly feeds = new Map<string, Map<string, Feed>>();
  private readonly streams = new Set<() => void>();
  private readonly pageSize: number;

  private readonly subscription: RunEventsSubscription;

  /** Subscribes in the background: with Redis down, streams replay and catch up at each heartbeat until it is back. */
  constructor(private readonly options: RunEventHubOptions) {
    this.pageSize = options.pageSize ?? 1000;
    this.subscription = subscribeRunEvents(options.redis, options.prefix, (marks) => this.announced(marks), {
      connectionName: 'baton-api-run-events',
      // Marks published while unsubscribed are lost: every feed reads what it may have missed.
      onSubscribed: () => {
        for (const byTenant of this.feeds.values()) for (const feed of byTenant.values()) this.request(feed);
      },
      onError: (err) => options.logger.debug('run-events subscriber', { error: err.message }),
    });
    this.subscription.subscribed.catch((err: unknown) => options.logger.warn('could not subscribe to run events', { error: String(err) }));
  }

  /** Resolves once subscribed (tests). */
  get subscribed(): Promise<void> {
    return this.subscription.subscribed;
  }

  /** Watches `runId` of `tenant` from `after` on. Call before replaying, so that nothing committed meanwhile is missed. */
  watch(tenant: string, runId: string, after: number, listener: SliceListener): RunWatch {
    // A feed per tenant: another tenant's watch (a 404 being found out) never reads for this one.
    let byTenant = this.feeds.get(runId);
    if (!byTenant) this.feeds.set(runId, (byTenant = new Map()));
    let feed = byTenant.get(tenant);
    if (!feed) byTenant.set(tenant, (feed = { tenant, runId, listeners: new Set(), seq: after, wanted: false, fetching: false }));
    feed.listeners.add(listener);
    const current = feed;
    const feeds = byTenant;
    return {
      caughtUp: (seq) => {
        if (current.listeners.size === 1 && !current.fetching && seq > current.seq) current.seq = seq;
      },
      poll: () => this.request(current),
      close: () => {
        current.listeners.delete(listener);
        if (current.listeners.size > 0 || feeds.get(tenant) !== current) return;
        feeds.delete(tenant);
        if (feeds.size === 0 && this.feeds.get(runId) === feeds) this.feeds.delete(runId);
      },
    };
  }

  /** Registers a stream's way to end, for {@link endStreams}; returns its unregistration. */
  track(end: () => void): () => void {
    this.streams.add(end);
    return () => this.streams.delete(end);
  }

  /** Ends every open stream (shutdown): a client reconnects with its Last-Event-ID to another instance. */
  endStreams(): void {
    for (const end of [...this.streams]) end();
  }

  /** Runs watched in this process (tests, metrics). */
  get watchedRuns(): number {
    return this.feeds.size;
  }

  async close(): Promise<void> {
    this.endStreams();
    await this.subscription.close();
  }

  private announced(marks: RunEventMark[]): void {
    if (this.feeds.size === 0) return;
    for (const mark of marks) {
      const byTenant = this.feeds.get(mark.runId);
      if (byTenant) for (const feed of byTenant.values()) if (mark.seq > feed.seq) this.request(feed);
    }
  }

  private request(feed: Feed): void {
    feed.wanted = true;
    if (!feed.fetching) void this.fetch(feed);
  }

  private async fetch(feed: Feed): Promise<void> {
    feed.fetching = true;
    try {
      while (feed.wanted && feed.listeners.size > 0) {
        feed.wanted = false;
        const slice = await this.options.read(feed.tenant, feed.runId, feed.seq, this.pageSize);
        if (!slice) return;
        const last = slice.events[slice.events.length - 1];
        if (last) feed.seq = last.seq;
        for (const listener of [...feed.listeners]) listener(slice);
        if (slice.events.length === this.pageSize) feed.wanted = true;
      }
    } catch (err) {
      // Postgres is down: the streams' next heartbeat asks again.
      this.options.logger.warn('could not read new run events for live streams', { runId: feed.runId, error: String(err) });
    } finally {
      feed.fetching = false;
    }
  }
}
