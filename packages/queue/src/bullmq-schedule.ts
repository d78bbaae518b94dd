import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX } from './queue-name';

export interface BullmqScheduleOptions {
  /** Borrowed, never closed. */
  connection: Redis;
  /** @defaultValue `'baton'` */
  prefix?: string;
  /** The task's name; its queue is `system.<name>`. */
  name: string;
  /** Period of the task, fleet-wide. */
  everyMs: number;
  /** Called with errors the queue or the worker emit, or a task that threw. */
  onError?: (error: Error) => void;
}

/**
 * A task that runs every `everyMs` on ONE process of the fleet: a BullMQ job scheduler adds one
 * job per tick to `system.<name>`, and whichever process takes it runs the task (concurrency 1).
 * Each process calls `ensure()` now and then, since a flushed Redis forgets the scheduler.
 */
export class BullmqSchedule {
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private closed = false;

  constructor(private readonly options: BullmqScheduleOptions) {
    this.queue = new Queue(`system.${options.name}`, { connection: options.connection, prefix: options.prefix ?? DEFAULT_PREFIX });
    this.queue.on('error', (error) => this.options.onError?.(error));
  }

  /**
   * Creates the job scheduler, or updates its period; idempotent, and a no-op once closed.
   * @throws the Redis error when Redis is unavailable.
   */
  async ensure(): Promise<void> {
    if (this.closed) return;
    const { name, everyMs } = this.options;
    await this.queue.upsertJobScheduler(name, { every: everyMs }, { name, opts: { removeOnComplete: true, removeOnFail: 100 } });
  }

  /** Starts taking this process's share of the ticks. Once only. */
  run(task: () => Promise<unknown>): void {
    if (this.worker || this.closed) throw new Error(`schedule ${this.options.name} is running or closed`);
    this.worker = new Worker(this.queue.name, () => task(), { connection: this.options.connection, prefix: this.queue.opts.prefix, concurrency: 1 });
    this.worker.on('error', (error) => this.options.onError?.(error));
    this.worker.on('failed', (_job, error) => this.options.onError?.(error));
  }

  /** Stops taking ticks, lets a running one finish (unless `force`), and closes the queue. The scheduler stays in Redis for the fleet. */
  async close(force = false): Promise<void> {
    this.closed = true;
    await this.worker?.close(force);
    await this.queue.close();
  }
}
