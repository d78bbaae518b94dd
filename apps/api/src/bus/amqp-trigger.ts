import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import type { Logger } from '@baton/core';
import type { TriggerMessage } from '@baton/runtime';
import type { Verdict } from './message-handler';

export interface AmqpTriggerOptions {
  name: string;
  url: string;
  queue: string;
  /** Unacknowledged messages the broker hands this consumer at once. */
  prefetch: number;
  handle(message: TriggerMessage): Promise<Verdict>;
  logger: Logger;
}

const RECONNECT_MS = { min: 500, max: 30_000 };
/** How long closing waits for messages being handled (their runs being recorded) before it cuts the connection. */
const CLOSE_WAIT_MS = 5_000;

/**
 * Consumes a RabbitMQ queue (declared durable when missing) with manual acks and a prefetch: a
 * message is acked once the handler says its runs are recorded, nacked without requeue when it
 * is refused (the queue's dead-letter exchange gets it, if it has one), and nacked with requeue
 * after a delay when a dependency is down. An unacked message of a lost connection goes back to
 * the queue: the broker redelivers it. The connection is made again with backoff, forever.
 */
export class AmqpTrigger {
  private closed = false;
  private connection: ChannelModel | undefined;
  private consumer: { channel: Channel; tag: string } | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private attempts = 0;

  constructor(private readonly options: AmqpTriggerOptions) {}

  /** Starts consuming in the background; a broker that is down is retried, never awaited. */
  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    while (!this.closed) {
      try {
        await this.open();
        this.attempts = 0;
        return;
      } catch (error) {
        this.attempts++;
        // The URL is never logged: it may hold a password.
        if (this.attempts === 1 || this.attempts % 20 === 0) {
          this.options.logger.warn('trigger cannot consume its queue; retrying', { trigger: this.options.name, queue: this.options.queue, error: (error as Error).message, attempts: this.attempts });
        }
        await this.sleep(Math.min(RECONNECT_MS.max, RECONNECT_MS.min * 2 ** Math.min(this.attempts - 1, 16)));
      }
    }
  }

  private async open(): Promise<void> {
    const { name, queue, prefetch } = this.options;
    const connection = await connect(this.options.url, { clientProperties: { connection_name: `baton-trigger-${name}` } });
    try {
      // Without an 'error' listener a broker error would crash the api; 'close' follows it.
      connection.on('error', () => undefined);
      await declareQueue(connection, queue);
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      await channel.prefetch(prefetch);
      const { consumerTag } = await channel.consume(queue, (message) => message && this.track(this.deliver(channel, message)), { noAck: false });
      this.connection = connection;
      this.consumer = { channel, tag: consumerTag };
      let gone = false;
      const lost = () => {
        if (gone) return;
        gone = true;
        this.connection = undefined;
        this.consumer = undefined;
        void connection.close().catch(() => undefined);
        if (this.closed) return;
        this.options.logger.warn('trigger lost its RabbitMQ connection; reconnecting', { trigger: name });
        void this.connect();
      };
      connection.once('close', lost);
      channel.once('close', lost);
      if (this.closed) await connection.close();
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
  }

  private async deliver(channel: Channel, message: ConsumeMessage): Promise<void> {
    const id = message.properties.messageId as unknown;
    const verdict = await this.options.handle({ id: typeof id === 'string' && id !== '' ? id : undefined, body: message.content });
    try {
      if (verdict.kind === 'ack') channel.ack(message);
      else if (verdict.kind === 'reject') channel.nack(message, false, false);
      else {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          try {
            channel.nack(message, false, true);
          } catch {
            // The channel closed meanwhile: the broker has put the message back already.
          }
        }, verdict.delayMs);
        this.timers.add(timer);
      }
    } catch {
      // The channel closed meanwhile: the broker has put the message back, and delivers it again.
    }
  }

  private track(work: Promise<void>): void {
    const done = work.catch((error: unknown) => this.options.logger.error('trigger message handling failed', { trigger: this.options.name, error: String(error) }))
      .finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  /** Stops taking messages, lets those being handled finish (up to 5 s), then closes; unacked ones go back to the queue. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.consumer?.channel.cancel(this.consumer.tag).catch(() => undefined);
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
    // Closing waits for the broker's answer: one that stopped answering must not hold the api's shutdown.
    await Promise.race([this.connection?.close().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
  }
}

/**
 * The queue, declared durable if it does not exist. An existing queue is only checked, whatever
 * its arguments (a dead-letter exchange, a quorum type): declaring it again with other arguments
 * would be refused. Checking a missing queue closes the channel it used, hence one of its own.
 */
async function declareQueue(connection: ChannelModel, queue: string): Promise<void> {
  const probe = await connection.createChannel();
  probe.on('error', () => undefined);
  try {
    await probe.checkQueue(queue);
    await probe.close();
    return;
  } catch (error) {
    if (!/NOT_FOUND|404/.test((error as Error).message)) throw error;
  }
  const channel = await connection.createChannel();
  await channel.assertQueue(queue, { durable: true });
  await channel.close();
}
