import { envVar } from '@baton/config';
import { EVENT_TYPE } from '@baton/workflow';
import { z } from 'zod';

const schemeOf = (url: string): string | undefined => {
  try {
    return new URL(url).protocol;
  } catch {
    return undefined;
  }
};
const AMQP = ['amqp:', 'amqps:'];
const NATS = ['nats:', 'tls:'];

// A trigger's name is part of idempotency keys and of the NATS durable consumer's name.
const TRIGGER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const triggerSchema = z
  .object({
    name: z.string().regex(TRIGGER_NAME, 'must be 1 to 64 letters, digits, `_` or `-`, the first a letter or digit').optional(),
    // Never echoed: it may hold a password.
    source: z.string().refine((s) => [...AMQP, ...NATS].includes(schemeOf(s) ?? ''), 'must be a URL starting with amqp://, amqps://, nats:// or tls://'),
    queue: z.string().min(1).max(255).optional(),
    subject: z.string().regex(/^[^\s]{1,255}$/, 'must be a NATS subject (wildcards `*` and `>` allowed)').optional(),
    stream: z.string().regex(/^[^\s.*>]{1,255}$/, 'must be a JetStream stream name').optional(),
    consumer: z.string().regex(/^[^\s.*>]{1,255}$/, 'must be a JetStream consumer name').optional(),
    event: z.string().regex(EVENT_TYPE, 'must match [A-Za-z0-9][A-Za-z0-9._:/-]{0,127}').optional(),
    template: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be a template name').optional(),
    version: z.number().int().min(1).optional(),
    tenant: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/, 'must be a tenant name').default('default'),
    agents: z.array(z.string().min(1)).optional(),
    prefetch: z.number().int().min(1).max(1000).default(10),
    ackWaitMs: z.number().int().min(1000).max(3_600_000).optional(),
  }, { invalid_type_error: 'each trigger must be an object' })
  .strict()
  .superRefine((t, ctx) => {
    const nats = NATS.includes(schemeOf(t.source) ?? '');
    const issue = (path: string, message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    if (nats) {
      if (t.subject === undefined) issue('subject', 'required with a nats:// source');
      if (t.queue !== undefined) issue('queue', 'only with an amqp:// source (NATS takes a subject)');
    } else {
      if (t.queue === undefined) issue('queue', 'required with an amqp:// source');
      for (const field of ['subject', 'stream', 'consumer', 'ackWaitMs'] as const) {
        if (t[field] !== undefined) issue(field, 'only with a nats:// source');
      }
    }
    if ((t.event === undefined) === (t.template === undefined)) issue('event', 'give exactly one of event and template');
    if (t.version !== undefined && t.template === undefined) issue('version', 'only with template');
  });

const triggersSchema = z.array(triggerSchema, { invalid_type_error: 'must be a JSON list of triggers' }).max(100).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((t, i) => {
    const name = triggerName(t);
    if (seen.has(name)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i, 'name'], message: `"${name}" names two triggers: give each its own name` });
    seen.add(name);
  });
});

type ParsedTrigger = z.infer<typeof triggerSchema>;

/** A trigger's name: its own, or its queue's or subject's with anything but letters, digits, `_` and `-` made `_`. */
function triggerName(t: ParsedTrigger): string {
  return t.name ?? (t.queue ?? t.subject ?? '').replace(/[^A-Za-z0-9_-]/g, '_').replace(/^_+/, '').slice(0, 64);
}

/** The variables of the bus: triggers and the events mirror. */
export const BUS_ENV = {
  BATON_TRIGGERS: envVar.json(triggersSchema),
  BATON_EVENTS_MIRROR: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().refine((s) => AMQP.includes(schemeOf(s) ?? ''), 'must be a URL starting with amqp:// or amqps://').optional(),
  ),
  BATON_EVENTS_EXCHANGE: envVar.matching(/^[A-Za-z0-9_.:-]{1,255}$/, 'must be 1 to 255 letters, digits, `_`, `.`, `:` or `-`', 'baton.events'),
  BATON_EVENTS_MIRROR_CATCHUP_MS: envVar.integer(1000, 86_400_000, 60_000),
};

/** Variables whose values are never shown in a configuration error: they hold broker credentials. */
export const BUS_SECRETS = ['BATON_TRIGGERS', 'BATON_EVENTS_MIRROR'];

/** Where a trigger's messages come from. */
export type TriggerSource =
  | { kind: 'amqp'; url: string; queue: string }
  | { kind: 'nats'; url: string; subject: string; stream?: string; consumer: string; ackWaitMs: number };

/** One trigger of `BATON_TRIGGERS`: its source, what its messages start and as whom. */
export interface TriggerConfig {
  name: string;
  source: TriggerSource;
  tenant: string;
  event?: string;
  template?: string;
  version?: number;
  agents?: string[];
  /** Messages handled at once (RabbitMQ's prefetch, JetStream's pull batch). @defaultValue 10 */
  prefetch: number;
}

/** The bus settings of the api: runs from queues and subjects, and the mirror of run events. */
export interface BusConfig {
  /** `BATON_TRIGGERS`. @defaultValue [] */
  triggers: TriggerConfig[];
  /** `BATON_EVENTS_MIRROR` (with `BATON_EVENTS_EXCHANGE`, `BATON_EVENTS_MIRROR_CATCHUP_MS`); absent, no mirror. */
  eventsMirror?: { url: string; exchange: string; catchUpEveryMs: number };
}

type BusEnv = z.output<z.ZodObject<typeof BUS_ENV>>;

export function busConfigOf(c: BusEnv): BusConfig {
  const triggers = (c.BATON_TRIGGERS ?? []).map((t): TriggerConfig => {
    const name = triggerName(t);
    const source: TriggerSource = t.queue !== undefined
      ? { kind: 'amqp', url: t.source, queue: t.queue }
      : { kind: 'nats', url: t.source, subject: t.subject!, ...(t.stream ? { stream: t.stream } : {}), consumer: t.consumer ?? `baton-${name}`, ackWaitMs: t.ackWaitMs ?? 30_000 };
    return {
      name, source, tenant: t.tenant, prefetch: t.prefetch,
      ...(t.event !== undefined ? { event: t.event } : {}),
      ...(t.template !== undefined ? { template: t.template } : {}),
      ...(t.version !== undefined ? { version: t.version } : {}),
      ...(t.agents !== undefined ? { agents: t.agents } : {}),
    };
  });
  return {
    triggers,
    ...(c.BATON_EVENTS_MIRROR ? { eventsMirror: { url: c.BATON_EVENTS_MIRROR, exchange: c.BATON_EVENTS_EXCHANGE, catchUpEveryMs: c.BATON_EVENTS_MIRROR_CATCHUP_MS } } : {}),
  };
}
