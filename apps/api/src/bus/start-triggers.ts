import type { Logger } from '@baton/telemetry';
import type { EventDeps, UseCaseDeps } from '@baton/runtime';
import { AmqpTrigger } from './amqp-trigger';
import type { TriggerConfig } from './bus-config';
import { messageHandler } from './message-handler';
import { NatsTrigger } from './nats-trigger';

/**
 * Consumes every trigger's queue or subject in the background (a broker that is down is retried,
 * and holds up nothing else). Every api instance consumes: they compete for the messages.
 */
export function startTriggers(triggers: readonly TriggerConfig[], deps: EventDeps & Pick<UseCaseDeps, 'agents' | 'runtime' | 'templatePauses'>, logger: Logger): { close(): Promise<void> } {
  const consumers = triggers.map((trigger) => {
    const handle = messageHandler(deps, trigger, logger);
    const common = { name: trigger.name, url: trigger.source.url, prefetch: trigger.prefetch, handle, logger };
    const consumer = trigger.source.kind === 'amqp'
      ? new AmqpTrigger({ ...common, queue: trigger.source.queue })
      : new NatsTrigger({ ...common, subject: trigger.source.subject, stream: trigger.source.stream, consumer: trigger.source.consumer, ackWaitMs: trigger.source.ackWaitMs });
    consumer.start();
    return consumer;
  });
  if (triggers.length > 0) logger.info('triggers consuming', { triggers: triggers.map((t) => t.name) });
  return { close: async () => void (await Promise.all(consumers.map((c) => c.close()))) };
}
