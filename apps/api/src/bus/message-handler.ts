import type { Logger } from '@baton/telemetry';
import { isPermanent, runFromMessage, type EventDeps, type TriggerMessage, type UseCaseDeps } from '@baton/runtime';
import type { TriggerConfig } from './bus-config';

/** What to tell the broker about a message: done, refused for good (dead-lettered), or again later. */
export type Verdict = { kind: 'ack' } | { kind: 'reject' } | { kind: 'retry'; delayMs: number };

const MAX_RETRY_MS = 30_000;

/**
 * Handles a trigger's messages: starts their runs and says `ack` once those are in Postgres;
 * `reject` for a message that would fail the same way again (not JSON, refused by its templates),
 * logged without its body; `retry` after a delay growing with the trigger's consecutive failures
 * while a dependency is down. A run already started for the message's id is found, not repeated.
 */
export function messageHandler(deps: EventDeps & Pick<UseCaseDeps, 'agents' | 'runtime' | 'templatePauses'>, trigger: TriggerConfig, logger: Logger): (message: TriggerMessage) => Promise<Verdict> {
  let failures = 0;
  return async (message) => {
    const meta = { trigger: trigger.name, messageId: message.id };
    try {
      const { runs } = await runFromMessage(deps, trigger, message);
      failures = 0;
      if (runs.length === 0) logger.info('trigger message started no run: no template of the tenant listens to its event', { ...meta, event: trigger.event });
      else logger.debug('trigger message started runs', { ...meta, runs });
      return { kind: 'ack' };
    } catch (error) {
      if (isPermanent(error)) {
        // The message's content is never logged (it may hold secrets): the reason and the paths only.
        logger.warn('trigger message refused; not delivered again', { ...meta, code: error.code, error: error.message, details: error.details });
        return { kind: 'reject' };
      }
      failures++;
      const delayMs = Math.min(MAX_RETRY_MS, 1000 * 2 ** Math.min(failures - 1, 15));
      logger.warn('trigger message not handled; it will be delivered again', { ...meta, error: error instanceof Error ? error.message : String(error), retryInMs: delayMs });
      return { kind: 'retry', delayMs };
    }
  };
}
