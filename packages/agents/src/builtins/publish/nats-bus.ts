import { connect, headers, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import type { Bus, BusMessage, BusReceipt } from './bus';

const NO_STREAM = 'no stream matches subject';

/**
 * Publishes to subject = topic: through JetStream when a stream takes the subject (resolving on
 * its ack, deduplicated by `Nats-Msg-Id`), else a core publish and a flush (at most once, held by
 * no one if nothing subscribes). The client reconnects by itself.
 */
export class NatsBus implements Bus {
  readonly kind = 'nats';

  private constructor(
    private readonly connection: NatsConnection,
    /** Undefined when the server runs without JetStream. */
    private readonly streams: { manager: JetStreamManager; client: JetStreamClient } | undefined,
  ) {}

  /** @throws what nats threw when the server cannot be reached. */
  static async open(url: string): Promise<NatsBus> {
    const connection = await connect({ servers: url, maxReconnectAttempts: -1, name: 'baton-publish' });
    const manager = await connection.jetstreamManager().catch(() => undefined);
    return new NatsBus(connection, manager && { manager, client: connection.jetstream() });
  }

  /**
   * The stream that takes `subject`, asked each time (streams come and go). Not a JetStream
   * publish tried first: that is a request any core subscriber would receive and never answer.
   */
  private async streamOf(subject: string): Promise<string | undefined> {
    if (!this.streams) return undefined;
    try {
      return await this.streams.manager.streams.find(subject);
    } catch (error) {
      if ((error as Error).message === NO_STREAM) return undefined;
      throw error;
    }
  }

  async publish(message: BusMessage): Promise<BusReceipt> {
    const h = headers();
    for (const [name, value] of Object.entries(message.headers)) h.append(name, value);
    h.set('Content-Type', 'application/json');
    h.set('Nats-Msg-Id', message.messageId);
    const stream = await this.streamOf(message.topic);
    if (stream && this.streams) {
      const ack = await this.streams.client.publish(message.topic, message.body, { msgID: message.messageId, headers: h, expect: { streamName: stream } });
      return { jetstream: { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate }, messageId: message.messageId };
    }
    this.connection.publish(message.topic, message.body, { headers: h });
    await this.connection.flush();
    return { jetstream: null, messageId: message.messageId };
  }

  async close(): Promise<void> {
    await this.connection.drain().catch(() => this.connection.close());
  }
}
