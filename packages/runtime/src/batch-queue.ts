interface Entry<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

export interface BatchQueueOptions {
  /** Most items in one batch. @defaultValue 500 */
  maxBatch?: number;
  /**
   * Whether a batch that failed as a whole is tried again in parts, so that one item's fault is
   * that item's answer alone. Say no for errors no part can escape (the database is down).
   * @defaultValue every error
   */
  isolate?: (err: unknown) => boolean;
}

/**
 * Collects items from concurrent callers and hands them to `flush` in batches, one batch at a
 * time: while a batch commits, the next one gathers. `flush` returns one result per item, or an
 * Error for an item that failed on its own. When `flush` throws, the batch is split in halves,
 * each flushed on its own (in order), down to single items: only the items at fault fail, each
 * with its own error, at the cost of a few more flushes.
 */
export class BatchQueue<T, R> {
  private queue: Array<Entry<T, R>> = [];
  private flushing = false;
  private idleWaiters: Array<() => void> = [];
  private readonly maxBatch: number;

  constructor(
    private readonly flush: (items: T[]) => Promise<Array<R | Error>>,
    private readonly options: BatchQueueOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
  }

  push(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Resolves when nothing is queued or being flushed. */
  idle(): Promise<void> {
    if (!this.flushing && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) await this.settle(this.queue.splice(0, this.maxBatch));
    this.flushing = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private async settle(batch: Array<Entry<T, R>>): Promise<void> {
    let results: Array<R | Error>;
    try {
      results = await this.flush(batch.map((e) => e.item));
    } catch (err) {
      if (batch.length === 1 || !(this.options.isolate?.(err) ?? true)) {
        for (const e of batch) e.reject(err);
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await this.settle(batch.slice(0, half));
      await this.settle(batch.slice(half));
      return;
    }
    batch.forEach((e, i) => {
      const r = results[i] as R | Error;
      if (r instanceof Error) e.reject(r);
      else e.resolve(r);
    });
  }
}
