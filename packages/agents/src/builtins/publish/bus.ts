/** One message to publish: `body` is the JSON text of the step's `message`. */
export interface BusMessage {
  topic: string;
  body: Buffer;
  headers: Record<string, string>;
  /** `<runId>:<stepKey>`: the same for every attempt of a step, so receivers (and JetStream) can deduplicate. */
  messageId: string;
}

/** What a publish adds to the step's output besides `published` and `topic`. */
export type BusReceipt = Record<string, unknown>;

/** A message bus the `publish` agent writes to: RabbitMQ or NATS. */
export interface Bus {
  readonly kind: 'rabbitmq' | 'nats';
  /** Resolves once the broker holds the message (a publisher confirm, a JetStream ack, a flush). */
  publish(message: BusMessage): Promise<BusReceipt>;
  close(): Promise<void>;
}
