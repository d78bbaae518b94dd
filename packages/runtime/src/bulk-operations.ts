import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Principal } from '@baton/auth';
import { BatonError, type Logger } from '@baton/core';

/** What a bulk operation does to each run it matches. */
export const BULK_ACTIONS = ['cancel', 'retry', 'pause', 'resume'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** Which runs of the tenant a bulk operation takes, as the request gave it. */
export interface BulkFilter {
  status?: string[];
  workflow?: string;
  template?: string;
  /** ISO 8601 instants; `createdAfter` is exclusive, `createdBefore` too. */
  createdAfter?: string;
  createdBefore?: string;
}

/** The runs an action can apply to: the rest of a status filter would only fail. */
const APPLIES_TO: Record<BulkAction, readonly string[]> = {
  cancel: ['queued', 'running', 'paused'],
  retry: ['failed'],
  pause: ['queued', 'running'],
  resume: ['paused'],
};

/** The runs one operation walks: its filter narrowed to what its action applies to, and to runs created before it. */
export interface RunScan {
  tenant: string;
  statuses: string[];
  workflow?: string;
  template?: string;
  createdAfter?: Date;
  createdBefore: Date;
}

export interface BulkOperation {
  id: string;
  tenant: string;
  action: BulkAction;
  filter: BulkFilter;
  /** `running` until every matched run was taken, then `succeeded`. */
  status: 'running' | 'succeeded';
  /** The last run taken, in (createdAt, id) order; absent before the first batch. */
  cursor?: { createdAt: Date; id: string };
  matched: number;
  done: number;
  failed: number;
  createdBy: string;
  createdAt: Date;
  finishedAt?: Date;
}

/** Postgres' `bulk_operations` (KyselyBulkOperations of `@baton/db`). */
export interface BulkOperationStore {
  /** Counts the runs `scan` takes now (the operation's `matched` when created). */
  count(scan: RunScan): Promise<number>;
  create(operation: BulkOperation): Promise<void>;
  /** The operation `id`, within `tenant` when given. */
  get(id: string, tenant?: string): Promise<BulkOperation | undefined>;
  /** Ids of running operations, oldest first. */
  unfinished(limit: number): Promise<string[]>;
  /**
   * Runs `task` holding the operation's lock (a session advisory lock, freed by Postgres if the
   * process dies); answers undefined without running it when another process holds the lock.
   */
  withLock<T>(id: string, task: () => Promise<T>): Promise<T | undefined>;
  /** Up to `limit` runs of `scan` after `after` in (createdAt, id) order. */
  nextRuns(scan: RunScan, after: BulkOperation['cursor'], limit: number): Promise<Array<{ id: string; createdAt: Date }>>;
  /** Saves a batch's progress: the new cursor and the counts added. */
  advance(id: string, cursor: NonNullable<BulkOperation['cursor']>, done: number, failed: number): Promise<void>;
  /** Marks it succeeded; `matched` becomes what was taken (done + failed). */
  finish(id: string): Promise<void>;
}

/** What the operation of `createdAt` takes of `filter` for `action`. */
export function scanOf(tenant: string, action: BulkAction, filter: BulkFilter, createdAt: Date): RunScan {
  const applies = APPLIES_TO[action];
  const before = filter.createdBefore ? new Date(Math.min(Date.parse(filter.createdBefore), createdAt.getTime())) : createdAt;
  return {
    tenant,
    statuses: filter.status ? applies.filter((s) => filter.status!.includes(s)) : [...applies],
    workflow: filter.workflow,
    template: filter.template,
    createdAfter: filter.createdAfter ? new Date(filter.createdAfter) : undefined,
    createdBefore: before,
  };
}

export interface BulkOperationRunnerOptions {
  /** Runs per batch (one cursor save each). @defaultValue 200 */
  batchSize?: number;
  /** Runs of a batch acted on at once. @defaultValue 8 */
  concurrency?: number;
  /** How often this process looks for operations no process is running (after a restart). @defaultValue 2000 */
  everyMs?: number;
}

export interface BulkOperationRunnerDeps {
  store: BulkOperationStore;
  /** Applies `action` to one run as `principal` (the per-run use case); throws when it cannot. */
  act(principal: Principal, action: BulkAction, runId: string): Promise<void>;
  logger: Logger;
}

/**
 * Applies bulk operations, a batch at a time, from their rows: each batch is a keyset page over
 * (created_at, id), acted on a few runs at once, then its cursor and counts saved, then the event
 * loop gets a turn. One process runs an operation at a time (its advisory lock); every process
 * looks every `everyMs` for an operation none runs, so one cut short by a restart goes on from
 * its cursor.
 */
export class BulkOperationRunner {
  private draining: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly deps: BulkOperationRunnerDeps, private readonly options: BulkOperationRunnerOptions = {}) {}

  /** Starts looking for operations every `everyMs`. */
  start(): void {
    this.timer = setInterval(() => this.kick(), this.options.everyMs ?? 2000);
    this.timer.unref();
    this.kick();
  }

  /** Looks for operations to run now (a new one was created). */
  kick(): void {
    if (this.closed) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch((err: unknown) => this.deps.logger.warn('bulk operations stopped; they go on at the next look', { error: String(err) }))
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Stops after the batch in flight (its progress saved); another process or the next start goes on. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.draining;
  }

  private async drain(): Promise<void> {
    for (const id of await this.deps.store.unfinished(20)) {
      if (this.closed) return;
      await this.deps.store.withLock(id, () => this.run(id));
    }
  }

  private async run(id: string): Promise<void> {
    const { store } = this.deps;
    const batchSize = this.options.batchSize ?? 200;
    // Read under the lock: the row is what the last holder saved.
    const op = await store.get(id);
    if (!op || op.status !== 'running') return;
    const scan = scanOf(op.tenant, op.action, op.filter, op.createdAt);
    const principal: Principal = { tenant: op.tenant, role: 'operator', subject: op.createdBy };
    let cursor = op.cursor;
    while (!this.closed) {
      const runs = await store.nextRuns(scan, cursor, batchSize);
      if (runs.length === 0) {
        await store.finish(id);
        this.deps.logger.info('bulk operation finished', { bulkOperationId: id, action: op.action });
        return;
      }
      const failed = await this.actOn(principal, op.action, runs.map((r) => r.id));
      const last = runs[runs.length - 1]!;
      cursor = { createdAt: last.createdAt, id: last.id };
      await store.advance(id, cursor, runs.length - failed, failed);
      await yieldToLoop();
    }
  }

  /** Acts on `ids`, `concurrency` at a time; returns how many failed. */
  private async actOn(principal: Principal, action: BulkAction, ids: string[]): Promise<number> {
    let next = 0;
    let failed = 0;
    const lane = async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        // A run the action no longer fits (it finished meanwhile) fails alone; anything else (Postgres
        // down) stops the operation, which goes on from its last saved batch.
        await this.deps.act(principal, action, id).catch((err: unknown) => {
          if (!(err instanceof BatonError) || err.code === 'UNAVAILABLE' || err.code === 'INTERNAL') throw err;
          failed++;
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 8, ids.length) }, lane));
    return failed;
  }
}
