import { z } from 'zod';
import { NonRetryableError, defineAgent } from '@baton/agent-sdk';
import type { Bus } from './bus';
import { NatsBus } from './nats-bus';
import { RabbitMqBus } from './rabbitmq-bus';

// Dot-separated words: a RabbitMQ routing key and a NATS subject alike, with no wildcard (`*`, `#`, `>`).
const TOPIC = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const HEADER_NAME = /^[A-Za-z0-9_-]{1,128}$/;
// NATS's default max_payload; RabbitMQ takes more, but one limit reads the same on both buses.
const MAX_MESSAGE_BYTES = 1024 * 1024;

/** `BATON_PUBLISH`: where the `publish` agent writes. */
export const publishUrlSchema = z.string().refine((value) => {
  try {
    return ['amqp:', 'amqps:', 'nats:', 'tls:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, 'must be a URL starting with amqp://, amqps://, nats:// or tls://');

/** `BATON_PUBLISH_EXCHANGE`: the RabbitMQ topic exchange. */
export const publishExchangeSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,255}$/, 'must be 1 to 255 letters, digits, `_`, `.`, `:` or `-`');

/**
 * Publishes `message` (as JSON) to `topic` on the worker's bus (`BATON_PUBLISH`): a RabbitMQ topic
 * exchange (routing key = topic, persistent, publisher-confirmed) or NATS (JetStream when a stream
 * takes the subject, else core NATS). The step succeeds once the broker holds the message.
 */
export const publishAgent = defineAgent({
  name: 'publish',
  description: 'Publishes `message` as JSON to `topic` on the bus of BATON_PUBLISH (RabbitMQ exchange or NATS subject), once the broker holds it: { published, topic, … }.',
  input: z
    .object({
      topic: z.string().max(255).regex(TOPIC, 'must be dot-separated words of letters, digits, `_` or `-`, without wildcards'),
      message: z.unknown().refine((value) => value !== undefined, 'required'),
      headers: z.record(z.string().regex(HEADER_NAME, 'header names are 1 to 128 letters, digits, `_` or `-`'), z.string().max(4096)).default({}),
    })
    .strict(),
  config: z.object({ url: publishUrlSchema.optional(), exchange: publishExchangeSchema.default('baton') }).strict(),
  setup: async (config): Promise<Bus | undefined> => {
    if (!config.url) return undefined;
    return config.url.startsWith('nats:') || config.url.startsWith('tls:') ? NatsBus.open(config.url) : RabbitMqBus.open(config.url, config.exchange);
  },
  close: async (bus) => {
    await bus?.close();
  },
  run: async (input, ctx) => {
    if (!ctx.deps) throw new NonRetryableError('the publish agent has no bus: set BATON_PUBLISH on the worker', { code: 'NOT_CONFIGURED' });
    const body = Buffer.from(JSON.stringify(input.message));
    if (body.length > MAX_MESSAGE_BYTES) throw new NonRetryableError(`message is ${body.length} bytes as JSON, over the ${MAX_MESSAGE_BYTES}-byte limit`, { code: 'MESSAGE_TOO_LARGE' });
    const receipt = await ctx.deps.publish({ topic: input.topic, body, headers: input.headers, messageId: `${ctx.runId}:${ctx.key}` });
    return { published: true, topic: input.topic, bus: ctx.deps.kind, ...receipt };
  },
});
