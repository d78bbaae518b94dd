import { randomUUID } from 'node:crypto';
import { connect as amqpConnect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { connect as natsConnect, type NatsConnection } from 'nats';
import { loadConfig, startApi } from '@baton/app-api';
import { createLogger } from '@baton/telemetry';
import { BatonHarness } from '../testing/baton-harness';
import { waitFor } from '../testing/ephemeral-services';
import { startTcpProxy, type TcpProxy } from '../testing/tcp-proxy';

const AMQP_URL = process.env.BATON_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const NATS_URL = process.env.BATON_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const unique = () => randomUUID().replaceAll('-', '').slice(0, 10);
jest.setTimeout(90_000);

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** A template that echoes its `order` and listens to `order.created`. */
const orderTemplate = (name: string) => ({
  name,
  on: ['order.created'],
  input: { type: 'object', required: ['order'], properties: { order: { type: 'object', required: ['id'] } } },
  steps: [{ id: 'take', agent: 'echo', input: { id: '{{ $input.order.id }}' } }],
});

async function runsOf(harness: BatonHarness, template: string): Promise<Array<{ id: string; status: string; submitted_by: string; input: unknown }>> {
  const rows = await harness.db.kysely.selectFrom('runs').select(['id', 'status', 'submitted_by', 'input']).where('template', '=', template).orderBy('created_at').execute();
  return rows.map((r) => ({ ...r, submitted_by: r.submitted_by ?? '' }));
}

async function putTemplate(harness: BatonHarness, definition: { name: string }): Promise<void> {
  const res = await harness.request('PUT', `/v1/templates/${definition.name}`, definition);
  expect([200, 201]).toContain(res.status);
}

describe('runs from a RabbitMQ queue', () => {
  const queue = `baton-test-orders-${unique()}`;
  const deadLetters = `${queue}-dead`;
  let proxy: TcpProxy;
  let harness: BatonHarness;
  let broker: ChannelModel;
  let channel: Channel;

  beforeAll(async () => {
    broker = await amqpConnect(AMQP_URL);
    channel = await broker.createChannel();
    // The queue's own dead-letter route: what Baton refuses lands in `deadLetters`.
    await channel.assertQueue(deadLetters, { durable: false });
    await channel.assertQueue(queue, { durable: false, arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': deadLetters } });
    proxy = await startTcpProxy(5672);
    harness = await BatonHarness.start({
      env: { BATON_TRIGGERS: JSON.stringify([{ name: 'orders', source: `amqp://guest:guest@127.0.0.1:${proxy.port}`, queue, event: 'order.created', tenant: 'default', prefetch: 5 }]) },
    });
  });

  afterAll(async () => {
    await harness?.close();
    await proxy?.close();
    await channel.deleteQueue(queue).catch(() => undefined);
    await channel.deleteQueue(deadLetters).catch(() => undefined);
    await broker.close();
  });

  const ready = async (name: string) => (await channel.checkQueue(name)).messageCount;

  it('a JSON message starts every template listening to the event, as the trigger, and is acked once the run is recorded', async () => {
    const template = `orders-${unique()}`;
    await putTemplate(harness, orderTemplate(template));
    channel.sendToQueue(queue, json({ order: { id: 7 } }), { messageId: `m-${unique()}`, contentType: 'application/json' });
    await waitFor(async () => (await runsOf(harness, template)).length === 1, 15_000, 'no run started');
    const [run] = await runsOf(harness, template);
    expect(run).toMatchObject({ submitted_by: 'trigger:orders', input: { order: { id: 7 } } });
    expect(await harness.waitFor(run!.id)).toMatchObject({ status: 'succeeded', output: { take: { id: 7 } } });
    await waitFor(async () => (await ready(queue)) === 0, 5000, 'the message was not acked');
    const { consumerCount } = await channel.checkQueue(queue);
    expect(consumerCount).toBe(1);
  });

  it('acks only once the run is durable: an ack lost with the connection brings the message back, and it still makes one run', async () => {
    const template = `orders-${unique()}`;
    await putTemplate(harness, orderTemplate(template));
    // Nothing the consumer sends reaches RabbitMQ now (its ack included); deliveries still arrive.
    proxy.hold();
    channel.sendToQueue(queue, json({ order: { id: 8 } }), { messageId: `m-${unique()}` });
    await waitFor(async () => (await runsOf(harness, template)).length === 1, 15_000, 'no run started');
    // The run is in Postgres; the connection dies before the ack arrives.
    proxy.cut();
    await waitFor(async () => (await ready(queue)) === 1, 10_000, 'RabbitMQ did not take the unacked message back');
    proxy.restore();
    await waitFor(async () => (await ready(queue)) === 0 && (await channel.checkQueue(queue)).consumerCount === 1, 20_000, 'the message was not delivered again and acked');
    const runs = await runsOf(harness, template);
    expect(runs).toHaveLength(1);
    expect(await harness.waitFor(runs[0]!.id)).toMatchObject({ status: 'succeeded' });
  });

  it('the same message id delivered twice makes one run', async () => {
    const template = `orders-${unique()}`;
    await putTemplate(harness, orderTemplate(template));
    const messageId = `m-${unique()}`;
    channel.sendToQueue(queue, json({ order: { id: 9 } }), { messageId });
    channel.sendToQueue(queue, json({ order: { id: 9 } }), { messageId });
    await waitFor(async () => (await ready(queue)) === 0, 15_000, 'not consumed');
    await waitFor(async () => (await runsOf(harness, template)).length === 1, 5000, 'no run');
    await new Promise((r) => setTimeout(r, 300));
    expect(await runsOf(harness, template)).toHaveLength(1);
  });

  it('a message that is not JSON, or that its templates refuse, is dead-lettered at once, never requeued', async () => {
    const template = `orders-${unique()}`;
    await putTemplate(harness, orderTemplate(template));
    channel.sendToQueue(queue, Buffer.from('{"order": not json, password=hunter2'), { messageId: `bad-${unique()}` });
    channel.sendToQueue(queue, json({ order: { no: 'id' } }), { messageId: `bad-${unique()}` });
    await waitFor(async () => (await ready(deadLetters)) === 2, 15_000, 'the refused messages did not reach the dead-letter queue');
    expect(await ready(queue)).toBe(0);
    const first = await channel.get(deadLetters, { noAck: true });
    expect(first && first.content.toString()).toContain('not json');
    // Dead-lettered once each, by a reject: never redelivered in between.
    expect(first && (first.properties.headers?.['x-death'] as Array<{ reason: string; count: number }>)[0]).toMatchObject({ reason: 'rejected', count: 1 });
    await channel.get(deadLetters, { noAck: true });
    expect(await runsOf(harness, template)).toHaveLength(0);
  });
});

describe('runs from a NATS JetStream subject', () => {
  const stream = `BATONTEST${unique()}`;
  const subject = `${stream.toLowerCase()}.orders`;
  let harness: BatonHarness;
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await natsConnect({ servers: NATS_URL });
    await (await nc.jetstreamManager()).streams.add({ name: stream, subjects: [`${subject}.>`] });
    harness = await BatonHarness.start({
      env: { BATON_TRIGGERS: JSON.stringify([{ name: 'nats-orders', source: NATS_URL, subject: `${subject}.>`, template: 'nats-orders', tenant: 'default', ackWaitMs: 2000 }]) },
    });
    await putTemplate(harness, { ...orderTemplate('nats-orders'), on: undefined } as { name: string });
  });

  afterAll(async () => {
    await harness?.close();
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
    await nc.drain();
  });

  const consumerInfo = async () => (await nc.jetstreamManager()).consumers.info(stream, 'baton-nats-orders');

  it('a message starts the named template through a durable consumer with explicit acks', async () => {
    const js = nc.jetstream();
    await js.publish(`${subject}.created`, json({ order: { id: 21 } }), { msgID: `n-${unique()}` });
    await waitFor(async () => (await runsOf(harness, 'nats-orders')).length === 1, 15_000, 'no run started');
    const [run] = await runsOf(harness, 'nats-orders');
    expect(await harness.waitFor(run!.id)).toMatchObject({ status: 'succeeded', output: { take: { id: 21 } } });
    await waitFor(async () => {
      const info = await consumerInfo();
      return info.num_ack_pending === 0 && info.num_pending === 0;
    }, 5000, 'the message was not acked');
    expect((await consumerInfo()).config).toMatchObject({ ack_policy: 'explicit', filter_subject: `${subject}.>` });
  });

  it('a malformed message is terminated, not delivered again, and starts nothing', async () => {
    const before = (await runsOf(harness, 'nats-orders')).length;
    const js = nc.jetstream();
    await js.publish(`${subject}.created`, Buffer.from('not json'));
    await js.publish(`${subject}.created`, json({ order: 'not an object' }));
    await waitFor(async () => {
      const info = await consumerInfo();
      return info.num_ack_pending === 0 && info.num_pending === 0;
    }, 10_000, 'the malformed messages were not settled');
    // Past the 2 s ack wait: a message left unacked would be back by now.
    await new Promise((r) => setTimeout(r, 2500));
    const info = await consumerInfo();
    expect([info.num_ack_pending, info.num_pending]).toEqual([0, 0]);
    expect(info.delivered.consumer_seq - info.ack_floor.consumer_seq).toBe(0);
    expect(await runsOf(harness, 'nats-orders')).toHaveLength(before);
  });
});

describe('run events mirrored to RabbitMQ', () => {
  const exchange = `baton.events.test.${unique()}`;
  let proxy: TcpProxy;
  let harness: BatonHarness;
  let second: { port: number; close(): Promise<void> } | undefined;
  let broker: ChannelModel;
  let channel: Channel;
  let queue: string;
  const received: ConsumeMessage[] = [];

  const workflow = {
    name: 'mirrored',
    steps: [
      { id: 'a', agent: 'echo', input: { n: 1 } },
      { id: 'b', agent: 'echo', needs: ['a'], input: '{{ $steps.a.output }}' },
    ],
  };

  /** The events of `runId` received so far, at least once each, in the order they came. */
  const eventsOf = (runId: string) => received.map((m) => ({ key: m.fields.routingKey, id: m.properties.messageId as string, body: JSON.parse(m.content.toString()) }))
    .filter((e) => e.body.runId === runId);

  beforeAll(async () => {
    broker = await amqpConnect(AMQP_URL);
    channel = await broker.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    ({ queue } = await channel.assertQueue('', { exclusive: true }));
    await channel.bindQueue(queue, exchange, '#');
    await channel.consume(queue, (m) => m && received.push(m), { noAck: true });
    proxy = await startTcpProxy(5672);
    harness = await BatonHarness.start({
      env: { BATON_EVENTS_MIRROR: `amqp://guest:guest@127.0.0.1:${proxy.port}`, BATON_EVENTS_EXCHANGE: exchange, BATON_EVENTS_MIRROR_CATCHUP_MS: '1000' },
    });
    // A second api on the same database: only one of them mirrors (no event arrives twice below).
    second = await startApi(loadConfig(harness.env), createLogger({ level: 'error', service: 'api', silent: true }));
  });

  afterAll(async () => {
    await second?.close();
    await harness?.close();
    await proxy?.close();
    await channel.deleteExchange(exchange).catch(() => undefined);
    await broker.close();
  });

  it('publishes every event of a run on the exchange, routing key = type, in order, once, as the history shows them', async () => {
    const id = await harness.submit(workflow);
    await harness.waitFor(id);
    const history = (await harness.request('GET', `/v1/runs/${id}/history?limit=1000`)).body.items as Array<{ seq: number; type: string }>;
    await waitFor(() => eventsOf(id).length >= history.length, 15_000, 'the events did not all arrive');
    await new Promise((r) => setTimeout(r, 500));
    const events = eventsOf(id);
    expect(events.map((e) => e.body.seq)).toEqual(history.map((e) => e.seq));
    expect(events.map((e) => e.key)).toEqual(history.map((e) => e.type));
    expect(events.map((e) => e.id)).toEqual(history.map((e) => `${id}:${e.seq}`));
    expect(events.at(-1)!.key).toBe('run.succeeded');
    expect(events.map((e) => e.body)).toEqual(history.map((e) => ({ runId: id, tenant: 'default', ...e })));
  });

  it('catches up after losing RabbitMQ: events committed meanwhile arrive, in order, once it is back', async () => {
    proxy.cut();
    const id = await harness.submit(workflow);
    await harness.waitFor(id);
    await new Promise((r) => setTimeout(r, 1500));
    expect(eventsOf(id)).toEqual([]);
    proxy.restore();
    const history = (await harness.request('GET', `/v1/runs/${id}/history?limit=1000`)).body.items as Array<{ seq: number; type: string }>;
    await waitFor(() => eventsOf(id).some((e) => e.key === 'run.succeeded'), 40_000, 'the mirror did not catch up');
    // At least once: a batch cut half-way may come again; first arrivals are in order.
    expect([...new Set(eventsOf(id).map((e) => e.body.seq as number))]).toEqual(history.map((e) => e.seq));
  });

  it('another api takes the mirror over when the one mirroring stops', async () => {
    await harness.stopApi();
    const res = await fetch(`http://127.0.0.1:${second!.port}/v1/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ workflow }) });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await waitFor(() => eventsOf(id).some((e) => e.key === 'run.succeeded'), 30_000, 'no api took the mirror over');
    const history = await (await fetch(`http://127.0.0.1:${second!.port}/v1/runs/${id}/history?limit=1000`)).json() as { items: Array<{ seq: number }> };
    expect([...new Set(eventsOf(id).map((e) => e.body.seq as number))]).toEqual(history.items.map((e) => e.seq));
  });
});
