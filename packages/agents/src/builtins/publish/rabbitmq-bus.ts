import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Bus, BusMessage, BusReceipt } from './bus';

interface Link {
  connection: ChannelModel;
  channel: ConfirmChannel;
}

/**
 * Publishes to a topic exchange (declared durable), routing key = topic, persistent messages,
 * resolving on the publisher confirm. A lost connection is made again on the next publish.
 */
export class RabbitMqBus implements Bus {
  readonly kind = 'rabbitmq';
  private link: Promise<Link> | undefined;
  private closed = false;

  private constructor(
    private readonly url: string,
    private readonly exchange: string,
  ) {}

  /** Connects and declares the exchange. @throws what amqplib threw: broker unreachable, bad credentials, an exchange of another type. */
  static async open(url: string, exchange: string): Promise<RabbitMqBus> {
    const bus = new RabbitMqBus(url, exchange);
    await bus.connected();
    return bus;
  }

  private connected(): Promise<Link> {
    if (this.closed) return Promise.reject(new Error('the RabbitMQ connection is closed'));
    this.link ??= (async () => {
      const connection = await connect(this.url);
      try {
        const forget = (): void => void (this.link = undefined);
        // Without an 'error' listener a broker error would crash the worker; 'close' follows it.
        connection.on('error', () => {});
        connection.on('close', forget);
        const channel = await connection.createConfirmChannel();
        channel.on('error', () => {});
        channel.on('close', () => {
          forget();
          void connection.close().catch(() => {});
        });
        await channel.assertExchange(this.exchange, 'topic', { durable: true });
        return { connection, channel };
      } catch (error) {
        await connection.close().catch(() => {});
        throw error;
      }
    })().catch((error: unknown) => {
      this.link = undefined;
      throw error;
    });
    return this.link;
  }

  async publish(message: BusMessage): Promise<BusReceipt> {
    const { channel } = await this.connected();
    await new Promise<void>((resolve, reject) => {
      channel.publish(
        this.exchange,
        message.topic,
        message.body,
        { persistent: true, contentType: 'application/json', messageId: message.messageId, headers: message.headers },
        (error: unknown) => (error ? reject(error instanceof Error ? error : new Error(`message not confirmed by RabbitMQ: ${String(error)}`)) : resolve()),
      );
    });
    return { exchange: this.exchange, messageId: message.messageId };
  }

  async close(): Promise<void> {
    this.closed = true;
    const link = await this.link?.catch(() => undefined);
    this.link = undefined;
    await link?.connection.close().catch(() => {});
  }
}
