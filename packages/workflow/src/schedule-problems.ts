import { CronExpressionParser } from 'cron-parser';
import type { Problem } from './problem';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `zone` is an IANA time zone this runtime knows. */
function knownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * A `schedule`'s cron expression, read as BullMQ's job schedulers read it (cron-parser: five
 * fields, or six with seconds first, and `@daily`-style aliases), and its time zone.
 */
export function scheduleProblems(schedule: unknown): Problem[] {
  if (!isRecord(schedule)) return [];
  const problems: Problem[] = [];
  const zone = typeof schedule.timezone === 'string' ? schedule.timezone : undefined;
  const zoneOk = zone === undefined || knownTimeZone(zone);
  if (!zoneOk) problems.push({ path: 'schedule.timezone', message: `unknown time zone '${zone}': use an IANA name such as Europe/Paris` });
  if (typeof schedule.cron === 'string') {
    try {
      CronExpressionParser.parse(schedule.cron, zoneOk && zone ? { tz: zone } : {});
    } catch (err) {
      problems.push({ path: 'schedule.cron', message: `not a valid cron expression: ${(err as Error).message}` });
    }
  }
  return problems;
}
