import { loadConfig } from '../config';

const AMQP = 'amqp://guest:s3cret@mq:5672';
const NATS = 'nats://user:s3cret@nats:4222';
const triggers = (list: unknown) => loadConfig({ BATON_TRIGGERS: JSON.stringify(list) }).bus.triggers;
const refusal = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('BATON_TRIGGERS', () => {
  it('reads a RabbitMQ trigger of an event and a NATS trigger of a template, with their defaults', () => {
    expect(triggers([
      { source: AMQP, queue: 'orders', event: 'order.created' },
      { name: 'invoices', source: NATS, subject: 'invoices.>', template: 'bill', version: 3, tenant: 'acme', agents: ['echo'], prefetch: 50, ackWaitMs: 60000 },
    ])).toEqual([
      { name: 'orders', source: { kind: 'amqp', url: AMQP, queue: 'orders' }, tenant: 'default', prefetch: 10, event: 'order.created' },
      {
        name: 'invoices', source: { kind: 'nats', url: NATS, subject: 'invoices.>', consumer: 'baton-invoices', ackWaitMs: 60000 },
        tenant: 'acme', prefetch: 50, template: 'bill', version: 3, agents: ['echo'],
      },
    ]);
  });

  it('names a trigger after its queue or subject, with what a name may not hold made `_`', () => {
    expect(triggers([{ source: NATS, subject: 'orders.*.created', stream: 'ORDERS', event: 'x' }])[0]).toMatchObject({
      name: 'orders___created', source: { stream: 'ORDERS', consumer: 'baton-orders___created', ackWaitMs: 30000 },
    });
  });

  it.each<[string, unknown, string]>([
    ['not JSON', `[{"source":"${AMQP}" oops`, 'BATON_TRIGGERS: not JSON: unexpected character at position 41'],
    ['not a list', { source: AMQP }, 'BATON_TRIGGERS: must be a JSON list of triggers'],
    ['a bad scheme', [{ source: 'http://mq', queue: 'q', event: 'e' }], 'BATON_TRIGGERS.0.source: must be a URL starting with amqp://, amqps://, nats:// or tls://'],
    ['an amqp trigger without a queue', [{ source: AMQP, event: 'e' }], 'BATON_TRIGGERS.0.queue: required with an amqp:// source'],
    ['a subject on amqp', [{ source: AMQP, queue: 'q', subject: 's', event: 'e' }], 'BATON_TRIGGERS.0.subject: only with a nats:// source'],
    ['a nats trigger without a subject', [{ source: NATS, event: 'e' }], 'BATON_TRIGGERS.0.subject: required with a nats:// source'],
    ['a queue on nats', [{ source: NATS, subject: 's', queue: 'q', event: 'e' }], 'BATON_TRIGGERS.0.queue: only with an amqp:// source (NATS takes a subject)'],
    ['neither event nor template', [{ source: AMQP, queue: 'q' }], 'BATON_TRIGGERS.0.event: give exactly one of event and template'],
    ['both event and template', [{ source: AMQP, queue: 'q', event: 'e', template: 't' }], 'BATON_TRIGGERS.0.event: give exactly one of event and template'],
    ['a version without a template', [{ source: AMQP, queue: 'q', event: 'e', version: 2 }], 'BATON_TRIGGERS.0.version: only with template'],
    ['an unknown field', [{ source: AMQP, queue: 'q', event: 'e', exchange: 'x' }], 'BATON_TRIGGERS.0: Unrecognized key(s) in object: \'exchange\''],
    ['a bad prefetch', [{ source: AMQP, queue: 'q', event: 'e', prefetch: 0 }], 'BATON_TRIGGERS.0.prefetch: Number must be greater than or equal to 1'],
    ['two triggers of one name', [{ source: AMQP, queue: 'q', event: 'e' }, { source: NATS, subject: 'q', event: 'f' }], 'BATON_TRIGGERS.1.name: "q" names two triggers: give each its own name'],
  ])('refuses %s, naming the field, never the URL', (_case, value, line) => {
    const message = refusal({ BATON_TRIGGERS: typeof value === 'string' ? value : JSON.stringify(value) });
    expect(message.split('\n')).toContain(`  - ${line}`);
    expect(message).not.toMatch(/s3cret/);
  });
});

describe('BATON_EVENTS_MIRROR', () => {
  it('is off by default, and reads the exchange and catch-up period with it', () => {
    expect(loadConfig({}).bus.eventsMirror).toBeUndefined();
    expect(loadConfig({ BATON_EVENTS_MIRROR: AMQP }).bus.eventsMirror).toEqual({ url: AMQP, exchange: 'baton.events', catchUpEveryMs: 60000 });
    expect(loadConfig({ BATON_EVENTS_MIRROR: AMQP, BATON_EVENTS_EXCHANGE: 'ops.events', BATON_EVENTS_MIRROR_CATCHUP_MS: '5000' }).bus.eventsMirror)
      .toEqual({ url: AMQP, exchange: 'ops.events', catchUpEveryMs: 5000 });
  });

  it('refuses a URL that is not RabbitMQ\'s, a bad exchange and period, without showing the URL', () => {
    const message = refusal({ BATON_EVENTS_MIRROR: 'nats://u:s3cret@n', BATON_EVENTS_EXCHANGE: 'a b', BATON_EVENTS_MIRROR_CATCHUP_MS: '10' });
    expect(message.split('\n').slice(1)).toEqual([
      '  - BATON_EVENTS_MIRROR: must be a URL starting with amqp:// or amqps://',
      '  - BATON_EVENTS_EXCHANGE: must be 1 to 255 letters, digits, `_`, `.`, `:` or `-` (got "a b")',
      '  - BATON_EVENTS_MIRROR_CATCHUP_MS: must be an integer between 1000 and 86400000 (got "10")',
    ]);
  });
});
