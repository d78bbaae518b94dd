import type { MirrorCursor, MirrorEventRow } from '@baton/db';
import type { RunEventMark } from '@baton/queue';
import type { RuntimeLogger } from './step-dispatcher';
import { toEventView, type RunEventView } from './use-cases/run-history';

/** What the mirror keeps in Postgres: `KyselyEventsMirrorStore` is the adapter. */
export interface EventsMirrorStore {
  enable(now: Date): Promise<boolean>;
  behind(limit: number): Promise<string[]>;
  pending(runIds: readonly string[], limit: number): Promise<MirrorEventRow[]>;
  advance(cursors: readonly MirrorCursor[]): Promise<void>;
}

/** One mirrored event as the broker carries it: the event as the history shows it, and its run. */
export interface MirroredEvent extends RunEventView {
  runId: string;
  tenant: string;
  template?: string;
}

export interface EventsMirrorOptions {
  store: EventsMirrorStore;
  /** Sends the events in this order; resolves once the broker has confirmed every one, rejects otherwise. */
  publish(events: MirroredEvent[]): Promise<void>;
  logger: RuntimeLogger;
  /** How often every run is checked for events no announcement told of (a lost Redis message). @defaultValue 60000 */
  catchUpEveryMs?: number;
  /** Events read and published at once. @defaultValue 500 */
  batchSize?: number;
  /** Runs remembered as having new events; past this, the next catch-up finds the rest. @defaultValue 100000 */
  maxPendingRuns?: number;
  /** First wait after a failed publish, doubled on each further failure up to `maxRetryMs`. @defaultValue 500 */
  minRetryMs?: number;
  /** @defaultValue 30000 */
  maxRetryMs?: number;
}

/**
 * Publishes every committed run event to a broker, at least once and in order within each run,
 * reading them from Postgres after a cursor per run that moves only once the broker confirmed
 * them. It learns which runs have new events from the commits' announcements ({@link notify}),
 * and from a scan of every run at start, after a lost announcement channel ({@link catchUp}) and
 * every `catchUpEveryMs`. A broker that is down holds nothing up but the mirror itself: it
 * retries with backoff, and what it missed stays in Postgres. Exactly one mirror may run per
 * database (the caller holds a lock); commits never wait for it.
 */
export class EventsMirror {
  /** Runs with unpublished events, each with the generation of its last notice. */
  private readonly dirty = new Map<string, number>();
  private generation = 0;
  private scanWanted = true;
  /** Runs were left out (too many to remember): scan once the remembered ones are mirrored. */
  private rescanWhenDone = false;
  private stopped = false;
  private wake: (() => void) | undefined;
  private interrupt: (() => void) | undefined;
  private readonly done: Promise<void>;
  private readonly ticker: NodeJS.Timeout;
  private failures = 0;

  constructor(private readonly options: EventsMirrorOptions) {
    this.ticker = setInterval(() => this.catchUp(), options.catchUpEveryMs ?? 60_000);
    this.ticker.unref();
    this.done = this.pump();
  }

  /** Runs whose events are committed up to these marks (the Redis announcement of a commit). */
  notify(marks: readonly RunEventMark[]): void {
    for (const { runId } of marks) {
      if (this.dirty.size >= (this.options.maxPendingRuns ?? 100_000) && !this.dirty.has(runId)) {
        this.rescanWhenDone = true;
        continue;
      }
      this.dirty.set(runId, ++this.generation);
    }
    this.wake?.();
  }

  /** Asks for a scan of every run (announcements may have been missed). */
  catchUp(): void {
    this.scanWanted = true;
    this.wake?.();
  }

  /** Stops after the batch in flight (whose cursor is then saved, or published again by the next mirror). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.ticker);
    this.wake?.();
    this.interrupt?.();
    await this.done;
  }

  private async pump(): Promise<void> {
    const { store, logger } = this.options;
    for (;;) {
      if (this.stopped) return;
      try {
        if (await store.enable(new Date())) logger.info('events mirror enabled: runs existing now count as mirrored');
        break;
      } catch (error) {
        this.failures++;
        logger.warn('events mirror could not read its state; retrying', { error: String(error) });
        await this.pause();
      }
    }
    this.failures = 0;
    while (!this.stopped) {
      try {
        if (this.scanWanted) {
          const max = this.options.maxPendingRuns ?? 100_000;
          const behind = await store.behind(max);
          for (const id of behind) if (!this.dirty.has(id)) this.dirty.set(id, ++this.generation);
          this.scanWanted = false;
          // A full answer may have left runs out: scan again once these are done.
          if (behind.length >= max) this.rescanWhenDone = true;
        }
        if (this.dirty.size === 0 && this.rescanWhenDone) {
          this.rescanWhenDone = false;
          this.scanWanted = true;
          continue;
        }
        if (this.dirty.size === 0) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
          continue;
        }
        await this.mirrorSome();
        this.failures = 0;
      } catch (error) {
        this.failures++;
        // Throttled: a broker that is down fails every retry.
        if (this.failures === 1 || this.failures % 20 === 0) logger.warn('events mirror: publishing failed; retrying', { error: String(error), failures: this.failures });
        await this.pause();
      }
    }
  }

  /** Publishes the next batch of pending events and moves the cursors past them. */
  private async mirrorSome(): Promise<void> {
    const limit = this.options.batchSize ?? 500;
    const taken = new Map([...this.dirty].slice(0, limit));
    const rows = await this.options.store.pending([...taken.keys()], limit);
    await this.options.publish(rows.map(mirrored));
    const last = new Map<string, number>();
    for (const row of rows) last.set(row.runId, row.seq);
    await this.options.store.advance([...last].map(([runId, seq]) => ({ runId, seq })));
    // A full page may have stopped inside its last run, before the runs sorted after it.
    const cut = rows.length === limit ? rows[rows.length - 1]!.runId : undefined;
    for (const [runId, generation] of taken) {
      if (cut !== undefined && runId >= cut) continue;
      // A notice that came meanwhile may be of events this read did not see.
      if (this.dirty.get(runId) === generation) this.dirty.delete(runId);
    }
  }

  /** Waits before a retry; only stopping cuts it short (new notices do not: the broker is what failed). */
  private pause(): Promise<void> {
    const ms = Math.min(this.options.maxRetryMs ?? 30_000, (this.options.minRetryMs ?? 500) * 2 ** Math.min(this.failures - 1, 16));
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.interrupt = () => {
        clearTimeout(timer);
        resolve();
      };
    }).then(() => {
      this.interrupt = undefined;
    });
  }
}

function mirrored(row: MirrorEventRow): MirroredEvent {
  return { runId: row.runId, tenant: row.tenant, ...(row.template === null ? {} : { template: row.template }), ...toEventView(row) };
}
