import { AckPolicy, DeliverPolicy, connect, nanos, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import type { Logger } from '@baton/core';
import type { TriggerMessage } from '@baton/runtime';
import type { Verdict } from './message-handler';

export interface NatsTriggerOptions {
  name: string;
  url: string;
  subject: string;
  /** The stream holding the subject; absent, the one that takes it is looked up. */
  stream?: string;
  /** The durable consumer's name, shared by every api instance (they compete for its messages). */
  consumer: string;
  ackWaitMs: number;
  /** Messages handled at once by this process. */
  prefetch: number;
  handle(message: TriggerMessage): Promise<Verdict>;
  logger: Logger;
}

const RETRY_MS = { min: 500, max: 30_000 };
const CLOSE_WAIT_MS = 5_000;

/**
 * Consumes a JetStream subject through a durable pull consumer with explicit acks (created when
 * missing: every api instance pulls from the same one, so each message goes to one of them). A
 * message is acked once its runs are recorded, terminated when refused (JetStream then publishes
 * a `$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED` advisory and never delivers it again), and nak'd
 * with a delay when a dependency is down; one not acked within `ackWaitMs` is delivered again.
 * Its id is its `Nats-Msg-Id` header, else `<stream>:<stream sequence>` (the same on every redelivery).
 */
export class NatsTrigger {
  private closed = false;
  private connection: NatsConnection | undefined;
  private messages: ConsumerMessages | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private attempts = 0;
  private wakeSleep: (() => void) | undefined;

  constructor(private readonly options: NatsTriggerOptions) {}

  /** Starts consuming in the background; a server that is down, or a stream missing, is retried. */
  start(): void {
    void this.run();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      try {
        await this.consume();
        this.attempts = 0;
      } catch (error) {
        this.attempts++;
        if (this.attempts === 1 || this.attempts % 20 === 0) {
          this.options.logger.warn('trigger cannot consume its subject; retrying', { trigger: this.options.name, subject: this.options.subject, error: (error as Error).message, attempts: this.attempts });
        }
      }
      if (!this.closed) await this.sleep(Math.min(RETRY_MS.max, RETRY_MS.min * 2 ** Math.min(this.attempts, 16)));
    }
  }

  /** One subscription's life: ends when the consumer's iterator does (its consumer deleted, the connection closed). */
  private async consume(): Promise<void> {
    const { subject, consumer: durable, prefetch } = this.options;
    // The client reconnects by itself; the pull consumer resumes after a reconnect.
    if (this.connection?.isClosed()) this.connection = undefined;
    this.connection ??= await connect({ servers: this.options.url, name: `baton-trigger-${this.options.name}`, maxReconnectAttempts: -1 });
    const jsm = await this.connection.jetstreamManager();
    const stream = this.options.stream ?? await jsm.streams.find(subject).catch((error: Error) => {
      throw new Error(`no JetStream stream takes subject ${subject}: create one (${error.message})`);
    });
    const wanted = { durable_name: durable, ack_policy: AckPolicy.Explicit, filter_subject: subject, ack_wait: nanos(this.options.ackWaitMs) };
    const existing = await jsm.consumers.info(stream, durable).catch(() => undefined);
    if (!existing) await jsm.consumers.add(stream, { ...wanted, deliver_policy: DeliverPolicy.All });
    else if (existing.config.filter_subject !== subject || existing.config.ack_wait !== wanted.ack_wait) await jsm.consumers.update(stream, durable, { filter_subject: subject, ack_wait: wanted.ack_wait });
    const consumer = await this.connection.jetstream().consumers.get(stream, durable);
    const messages = await consumer.consume({ max_messages: prefetch });
    this.messages = messages;
    this.attempts = 0;
    if (this.closed) await messages.close();
    for await (const message of messages) {
      while (this.inFlight.size >= prefetch) await Promise.race(this.inFlight);
      this.track(this.deliver(stream, message));
    }
  }

  private async deliver(stream: string, message: JsMsg): Promise<void> {
    const id = message.headers?.get('Nats-Msg-Id') || `${stream}:${message.seq}`;
    const verdict = await this.options.handle({ id, body: message.data });
    if (verdict.kind === 'ack') message.ack();
    else if (verdict.kind === 'reject') message.term(); // no reason: servers before 2.10 ignore a TERM that carries one
    else message.nak(verdict.delayMs);
  }

  private track(work: Promise<void>): void {
    const done: Promise<void> = work
      .catch((error: unknown) => this.options.logger.error('trigger message handling failed', { trigger: this.options.name, error: String(error) }))
      .finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeSleep = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Stops pulling, lets messages being handled finish (up to 5 s), then drains the connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeSleep?.();
    await this.messages?.close().catch(() => undefined);
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
    // Draining waits for the server: one that stopped answering must not hold the api's shutdown.
    const connection = this.connection;
    if (connection) await Promise.race([connection.drain().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
    if (connection && !connection.isClosed()) await connection.close().catch(() => undefined);
  }
}
