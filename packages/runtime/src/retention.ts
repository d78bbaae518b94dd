import type { Logger } from '@baton/core';

const DAY_MS = 86_400_000;

export interface RetentionOptions {
  /** Finished runs older than this many days are deleted. */
  days: number;
  /** Runs deleted per transaction. @defaultValue 500 */
  batchSize?: number;
  /** A sweep stops starting batches after this long; the next tick goes on. @defaultValue 30000 */
  budgetMs?: number;
}

export interface RetentionDeps {
  /** Deletes up to `limit` runs finished before `before`; returns how many it deleted. */
  deleteFinishedRuns(before: Date, limit: number): Promise<number>;
  logger: Logger;
  /** @defaultValue Date.now */
  now?: () => number;
}

/**
 * One retention sweep: deletes finished runs older than `days`, a batch per transaction, so the
 * sweep holds no lock for long and live work goes on between batches.
 * @returns the number of runs deleted.
 */
export async function sweepFinishedRuns(deps: RetentionDeps, options: RetentionOptions): Promise<number> {
  const now = deps.now ?? Date.now;
  const batchSize = options.batchSize ?? 500;
  const started = now();
  const before = new Date(started - options.days * DAY_MS);
  let deleted = 0;
  for (;;) {
    const n = await deps.deleteFinishedRuns(before, batchSize);
    deleted += n;
    if (n < batchSize || now() - started >= (options.budgetMs ?? 30_000)) break;
  }
  if (deleted > 0) deps.logger.info('retention deleted finished runs', { deleted, finishedBefore: before.toISOString() });
  return deleted;
}
