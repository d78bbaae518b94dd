import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX } from './queue-name';

export interface BullmqCronSchedulesOptions {
  /** Borrowed, never closed. Consuming needs a connection with `maxRetriesPerRequest: null` (the worker role). */
  connection: Redis;
  /** @defaultValue `'baton'` */
  prefix?: string;
  /** Called with errors the queue or the worker emit, or a fire that threw. */
  onError?: (error: Error) => void;
}

/** One tick of a cron schedule: its scheduler's data, and the tick's time (ms since the epoch), the same for every copy of that tick. */
export interface CronFire<D> {
  data: D;
  tick: number;
}

/** The queue of every cron schedule: one BullMQ job scheduler per schedule adds one job per tick. */
export const CRON_QUEUE = 'system.cron';

/**
 * Cron schedules on BullMQ job schedulers, in the queue `system.cron`: a scheduler's id makes it
 * one per schedule across the fleet, so each tick is one job, taken by one consumer.
 */
export class BullmqCronSchedules<D extends object> {
  private readonly queue: Queue;
  private worker: Worker | undefined;

  constructor(private readonly options: BullmqCronSchedulesOptions) {
    this.queue = new Queue(CRON_QUEUE, { connection: options.connection, prefix: options.prefix ?? DEFAULT_PREFIX });
    this.queue.on('error', (error) => this.options.onError?.(error));
  }

  /**
   * Creates the schedule `id`, or changes its cron, zone or data; idempotent.
   * @throws the Redis error when Redis is unavailable
   */
  async upsert(id: string, cron: { pattern: string; timezone?: string }, data: D): Promise<void> {
    await this.queue.upsertJobScheduler(id, { pattern: cron.pattern, ...(cron.timezone ? { tz: cron.timezone } : {}) }, {
      name: 'fire', data, opts: { removeOnComplete: true, removeOnFail: 100 },
    });
  }

  /** Removes the schedule `id` (none is no error). */
  async remove(id: string): Promise<void> {
    await this.queue.removeJobScheduler(id);
  }

  /** The schedules' next fire times, by id (absent: no such schedule in Redis). */
  async next(ids: readonly string[]): Promise<Map<string, Date>> {
    const out = new Map<string, Date>();
    await Promise.all(ids.map(async (id) => {
      const scheduler = await this.queue.getJobScheduler(id);
      if (scheduler?.next !== undefined) out.set(id, new Date(scheduler.next));
    }));
    return out;
  }

  /** Every schedule's id in Redis. */
  async ids(): Promise<string[]> {
    const schedulers = await this.queue.getJobSchedulers(0, -1);
    return schedulers.map((s) => s.key);
  }

  /** Starts taking this process's share of the ticks. Once only. */
  consume(fire: (tick: CronFire<D>) => Promise<unknown>, concurrency = 4): void {
    if (this.worker) throw new Error('cron schedules are consumed already');
    this.worker = new Worker(this.queue.name, (job) => fire({ data: job.data as D, tick: job.opts.prevMillis ?? Number(String(job.id).split(':').pop()) }), {
      connection: this.options.connection, prefix: this.queue.opts.prefix, concurrency,
    });
    this.worker.on('error', (error) => this.options.onError?.(error));
    this.worker.on('failed', (_job, error) => this.options.onError?.(error));
  }

  /** Stops consuming (letting fires in flight finish) and closes the queue; the schedules stay in Redis. */
  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}
