import type { Redis } from 'ioredis';
import { RabbitMqBus } from '@baton/agents';
import type { Logger } from '@baton/core';
import { KyselyEventsMirrorStore, SessionLock, type Db } from '@baton/db';
import { subscribeRunEvents } from '@baton/queue';
import { EventsMirror, type MirroredEvent } from '@baton/runtime';

export interface EventsMirrorLeaderOptions {
  /** `BATON_EVENTS_MIRROR`: the RabbitMQ to publish to; never logged. */
  url: string;
  exchange: string;
  catchUpEveryMs: number;
  /** The lock's own session connects here (the pool's connections come and go). */
  databaseUrl: string;
  db: Db;
  redis: Redis;
  prefix: string;
  logger: Logger;
  /** How often an instance that is not mirroring tries to take over. @defaultValue 5000 */
  lockRetryMs?: number;
}

/** Baton's advisory lock of the events mirror (the migrations' is 7_355_608_001). */
const MIRROR_LOCK = 7_355_608_015;

/**
 * Runs the events mirror on the one api instance holding its Postgres advisory lock: the others
 * try again every few seconds and take over when the holder's session ends (it stopped, died or
 * lost Postgres). The holder follows the commits' Redis announcements, and scans Postgres for
 * what they missed.
 */
export class EventsMirrorLeader {
  private closed = false;
  private current: { lock: SessionLock; stop(): Promise<void> } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private turn: Promise<void> = Promise.resolve();

  constructor(private readonly options: EventsMirrorLeaderOptions) {}

  start(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => (this.turn = this.tryLead()), ms);
  }

  private async tryLead(): Promise<void> {
    const { logger } = this.options;
    let lock: SessionLock | undefined;
    try {
      lock = await SessionLock.tryAcquire(this.options.databaseUrl, MIRROR_LOCK, (error) => {
        logger.warn('events mirror lost its lock (its Postgres session ended); stopping', { error: error.message });
        void this.resign().then(() => this.schedule(this.options.lockRetryMs ?? 5000));
      });
    } catch (error) {
      logger.warn('events mirror cannot reach Postgres for its lock; retrying', { error: (error as Error).message });
    }
    if (!lock) return this.schedule(this.options.lockRetryMs ?? 5000);
    if (this.closed) return lock.release();
    this.current = { lock, stop: this.lead() };
    logger.info('events mirror: this instance mirrors run events', { exchange: this.options.exchange });
  }

  /** Starts mirroring; answers what stops it. */
  private lead(): () => Promise<void> {
    const { url, exchange, logger } = this.options;
    let bus: Promise<RabbitMqBus> | undefined;
    const publish = async (events: MirroredEvent[]) => {
      // Connected on the first publish (RabbitMQ may be down at start); made again after a loss.
      bus ??= RabbitMqBus.open(url, exchange).catch((error: unknown) => {
        bus = undefined;
        throw error;
      });
      const link = await bus;
      await Promise.all(events.map((event) => link.publish({
        topic: event.type,
        body: Buffer.from(JSON.stringify(event)),
        headers: { 'baton-run-id': event.runId, 'baton-tenant': event.tenant },
        messageId: `${event.runId}:${event.seq}`,
      })));
    };
    const mirror = new EventsMirror({ store: new KyselyEventsMirrorStore(this.options.db.kysely), publish, logger, catchUpEveryMs: this.options.catchUpEveryMs });
    const subscription = subscribeRunEvents(this.options.redis, this.options.prefix, (marks) => mirror.notify(marks), {
      connectionName: 'baton-events-mirror',
      // Announcements sent while unsubscribed were missed: scan for them.
      onSubscribed: () => mirror.catchUp(),
      onError: () => undefined,
    });
    return async () => {
      await subscription.close();
      await mirror.stop();
      await (await bus?.catch(() => undefined))?.close();
    };
  }

  private async resign(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    if (!current) return;
    await current.stop();
    await current.lock.release();
  }

  /** Stops mirroring (after the batch in flight) and gives the lock up. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.turn;
    await this.resign();
  }
}
