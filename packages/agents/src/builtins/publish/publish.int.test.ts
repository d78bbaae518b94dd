import { randomUUID } from 'node:crypto';
import { connect as amqpConnect, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { connect as natsConnect, type NatsConnection } from 'nats';
import { executeAgent, startAgent, type StartedAgent } from '@baton/agent-sdk';
import { jobOf, live, memoryLogger } from '@baton/agent-sdk/testing';
import { publishAgent } from './publish';

const AMQP_URL = process.env.BATON_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const NATS_URL = process.env.BATON_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const setup = () => ({ logger: memoryLogger(), signal: new AbortController().signal });
const unique = () => randomUUID().replaceAll('-', '').slice(0, 12);

const run = (agent: StartedAgent<unknown>, input: unknown, key = 'notify') => executeAgent(agent.agent, jobOf(input, { runId: 'run-7', key }), { ...live(), deps: agent.deps });

describe('publish to RabbitMQ', () => {
  const exchange = `baton_test_${unique()}`;
  let agent: StartedAgent<unknown>;
  let consumer: ChannelModel;

  beforeAll(async () => {
    agent = (await startAgent(publishAgent, { url: AMQP_URL, exchange }, setup())) as StartedAgent<unknown>;
    consumer = await amqpConnect(AMQP_URL);
  });

  afterAll(async () => {
    const channel = await consumer.createChannel();
    await channel.deleteExchange(exchange);
    await consumer.close();
    await agent.close();
  });

  it('publishes to the topic exchange with routing key = topic, persistent, confirmed, headers and message id kept', async () => {
    const channel = await consumer.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, exchange, 'orders.*');
    const received = new Promise<ConsumeMessage>((resolve) => void channel.consume(queue, (m) => m && resolve(m), { noAck: true }));

    expect(await run(agent, { topic: 'orders.created', message: { id: 42, items: ['a'] }, headers: { 'x-tenant': 'acme' } })).toEqual({
      type: 'succeeded',
      output: { published: true, topic: 'orders.created', bus: 'rabbitmq', exchange, messageId: 'run-7:notify' },
    });
    const message = await received;
    expect(JSON.parse(message.content.toString())).toEqual({ id: 42, items: ['a'] });
    expect(message.fields).toMatchObject({ exchange, routingKey: 'orders.created' });
    expect(message.properties).toMatchObject({ deliveryMode: 2, contentType: 'application/json', messageId: 'run-7:notify', headers: { 'x-tenant': 'acme' } });
    await channel.close();
  });

  it('reaches only the queues bound to the topic', async () => {
    const channel = await consumer.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, exchange, 'invoices.#');
    await run(agent, { topic: 'orders.cancelled', message: 1 });
    await run(agent, { topic: 'invoices.paid.late', message: 2 });
    const first = await channel.get(queue, { noAck: true });
    expect(first && JSON.parse(first.content.toString())).toBe(2);
    expect(await channel.get(queue, { noAck: true })).toBe(false);
    await channel.close();
  });

  it('publishes again after the connection was lost', async () => {
    // The broker closing the channel (a publish to an exchange deleted under it) drops the link; the next publish makes a new one.
    const channel = await consumer.createChannel();
    await channel.deleteExchange(exchange);
    expect(await run(agent, { topic: 'orders.lost', message: 1 })).toMatchObject({ type: 'failed', retryable: true });
    await channel.assertExchange(exchange, 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, exchange, 'orders.#');
    expect(await run(agent, { topic: 'orders.again', message: 'back' })).toMatchObject({ type: 'succeeded', output: { published: true } });
    const message = await channel.get(queue, { noAck: true });
    expect(message && JSON.parse(message.content.toString())).toBe('back');
    await channel.close();
  });

  it('fails to start when the broker cannot be reached or refuses the credentials', async () => {
    await expect(startAgent(publishAgent, { url: 'amqp://guest:guest@127.0.0.1:1' }, setup())).rejects.toThrow(/ECONNREFUSED/);
    await expect(startAgent(publishAgent, { url: 'amqp://guest:wrong@127.0.0.1:5672' }, setup())).rejects.toThrow(/ACCESS_REFUSED|403/);
  });
});

describe('publish to NATS', () => {
  let agent: StartedAgent<unknown>;
  let nc: NatsConnection;

  beforeAll(async () => {
    agent = (await startAgent(publishAgent, { url: NATS_URL }, setup())) as StartedAgent<unknown>;
    nc = await natsConnect({ servers: NATS_URL });
  });

  afterAll(async () => {
    await nc.drain();
    await agent.close();
  });

  it('publishes on core NATS when no stream takes the subject', async () => {
    const subject = `baton.test.${unique()}.created`;
    const sub = nc.subscribe(subject, { max: 1 });
    const received = (async () => {
      for await (const m of sub) return m;
      throw new Error('no message');
    })();
    await nc.flush();
    expect(await run(agent, { topic: subject, message: { ok: true }, headers: { 'x-tenant': 'acme' } })).toEqual({
      type: 'succeeded',
      output: { published: true, topic: subject, bus: 'nats', jetstream: null, messageId: 'run-7:notify' },
    });
    const message = await received;
    expect(JSON.parse(new TextDecoder().decode(message.data))).toEqual({ ok: true });
    expect(message.headers?.get('x-tenant')).toBe('acme');
    expect(message.headers?.get('Nats-Msg-Id')).toBe('run-7:notify');
  });

  it('publishes through JetStream when a stream takes the subject, acked, and deduplicates a retried step', async () => {
    const prefix = `batontest${unique()}`;
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: prefix, subjects: [`${prefix}.>`] });
    try {
      const first = await run(agent, { topic: `${prefix}.orders`, message: { n: 1 } });
      expect(first).toEqual({ type: 'succeeded', output: { published: true, topic: `${prefix}.orders`, bus: 'nats', jetstream: { stream: prefix, seq: 1, duplicate: false }, messageId: 'run-7:notify' } });
      // Another attempt of the same step: the same message id, so the stream keeps one copy.
      expect(await run(agent, { topic: `${prefix}.orders`, message: { n: 1 } })).toMatchObject({ output: { jetstream: { seq: 1, duplicate: true } } });
      expect(await run(agent, { topic: `${prefix}.orders`, message: { n: 2 } }, 'other')).toMatchObject({ output: { jetstream: { seq: 2, duplicate: false } } });
      const stored = await jsm.streams.getMessage(prefix, { seq: 2 });
      expect(JSON.parse(new TextDecoder().decode(stored.data))).toEqual({ n: 2 });
    } finally {
      await jsm.streams.delete(prefix);
    }
  });

  it('fails to start when the server cannot be reached', async () => {
    await expect(startAgent(publishAgent, { url: 'nats://127.0.0.1:1' }, setup())).rejects.toThrow();
  });
});

describe('publish input and config', () => {
  let agent: StartedAgent<unknown>;
  beforeAll(async () => {
    agent = (await startAgent(publishAgent, {}, setup())) as StartedAgent<unknown>;
  });

  it('fails without retries when no bus is configured', async () => {
    expect(await run(agent, { topic: 'orders.created', message: 1 })).toMatchObject({ type: 'failed', error: { code: 'NOT_CONFIGURED' }, retryable: false });
  });

  it.each([
    { message: 1 },
    { topic: 'orders.*', message: 1 },
    { topic: 'orders.>', message: 1 },
    { topic: 'orders.#', message: 1 },
    { topic: 'a..b', message: 1 },
    { topic: 'has space', message: 1 },
    { topic: 'orders' },
    { topic: 'orders', message: 1, headers: { 'bad name': 'x' } },
    { topic: 'orders', message: 1, headers: { ok: 1 } },
  ])('refuses input %p', async (input) => {
    expect(await run(agent, input)).toMatchObject({ type: 'failed', error: { code: 'INVALID_INPUT' }, retryable: false });
  });

  it('refuses a message over 1 MiB as JSON', async () => {
    const nats = (await startAgent(publishAgent, { url: NATS_URL }, setup())) as StartedAgent<unknown>;
    try {
      expect(await run(nats, { topic: 'orders', message: 'x'.repeat(1024 * 1024) })).toMatchObject({ type: 'failed', error: { code: 'MESSAGE_TOO_LARGE' }, retryable: false });
    } finally {
      await nats.close();
    }
  });

  it.each([{ url: 'http://x' }, { url: 'amqp://x', exchange: 'bad exchange' }, { other: 1 }])('refuses config %p', async (config) => {
    await expect(startAgent(publishAgent, config, setup())).rejects.toThrow(/invalid config for agent "publish"/);
  });
});
