interface Entry<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/**
 * Collects items from concurrent callers and hands them to `flush` in batches, one batch at a
 * time: while a batch commits, the next one gathers. `flush` returns one result per item, or an
 * Error for an item that failed on its own.
 */
export class BatchQueue<T, R> {
  private queue: Array<Entry<T, R>> = [];
  private flushing = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly flush: (items: T[]) => Promise<Array<R | Error>>,
    private readonly maxBatch = 500,
  ) {}

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
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const results = await this.flush(batch.map((e) => e.item));
        batch.forEach((e, i) => {
          const r = results[i] as R | Error;
          if (r instanceof Error) e.reject(r);
          else e.resolve(r);
        });
      } catch (err) {
        for (const e of batch) e.reject(err);
      }
    }
    this.flushing = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }
}
