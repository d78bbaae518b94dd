import { authorize, type Principal } from '@baton/auth';
import type { TemplateVersion } from '@baton/db';
import type { ScheduleDefinition } from '@baton/workflow';
import type { ScheduleFire } from './template-runs';
import type { TemplateStore } from './templates';

/** The cron schedules of templates in Redis (`BullmqCronSchedules` of `@baton/queue`): one per template that has one. */
export interface CronSchedules {
  upsert(id: string, cron: { pattern: string; timezone?: string }, data: Omit<ScheduleFire, 'tick'>): Promise<void>;
  remove(id: string): Promise<void>;
  next(ids: readonly string[]): Promise<Map<string, Date>>;
  ids(): Promise<string[]>;
}

export interface ScheduleDeps {
  templates: Pick<TemplateStore, 'get' | 'latestWith'>;
  cron: CronSchedules;
}

/** A template's schedule as `GET /v1/schedules` shows it. */
export interface ScheduleView {
  template: string;
  version: number;
  cron: string;
  timezone: string;
  input?: unknown;
  /** Absent when Redis holds no scheduler for it (a flushed Redis, until the next sync). */
  nextFireAt?: string;
}

const ID_PREFIX = 'template:';
/** One scheduler per tenant and template: a new version replaces its cron and data, never adds a second. */
export const scheduleId = (tenant: string, name: string): string => `${ID_PREFIX}${tenant}/${name}`;

async function apply(cron: CronSchedules, tenant: string, name: string, latest: TemplateVersion | undefined): Promise<void> {
  const schedule = latest?.schedule as ScheduleDefinition | null | undefined;
  if (!latest || !schedule) return cron.remove(scheduleId(tenant, name));
  await cron.upsert(scheduleId(tenant, name), { pattern: schedule.cron, timezone: schedule.timezone }, { tenant, name, version: latest.version });
}

/**
 * Makes a template's scheduler match its latest version: created or changed when that version
 * has a `schedule`, removed when it has none.
 */
export async function syncSchedule(deps: ScheduleDeps, tenant: string, name: string): Promise<void> {
  await apply(deps.cron, tenant, name, await deps.templates.get(tenant, name));
}

/** Makes every scheduler match the stored templates (start-up, or after Redis lost them): those of no template's latest version are removed. */
export async function syncAllSchedules(deps: ScheduleDeps): Promise<void> {
  const scheduled = await deps.templates.latestWith({ schedule: true });
  const wanted = new Set(scheduled.map((t) => scheduleId(t.tenant, t.name)));
  for (const t of scheduled) await apply(deps.cron, t.tenant, t.name, t);
  for (const id of await deps.cron.ids()) if (id.startsWith(ID_PREFIX) && !wanted.has(id)) await deps.cron.remove(id);
}

/** The caller's templates with a schedule (their latest versions), with each one's next fire time. */
export async function listSchedules(deps: ScheduleDeps, principal: Principal): Promise<{ items: ScheduleView[] }> {
  authorize(principal, 'template.read');
  const scheduled = await deps.templates.latestWith({ tenant: principal.tenant, schedule: true });
  const next = await deps.cron.next(scheduled.map((t) => scheduleId(t.tenant, t.name)));
  return {
    items: scheduled.map((t) => {
      const s = t.schedule as ScheduleDefinition;
      const at = next.get(scheduleId(t.tenant, t.name));
      return {
        template: t.name, version: t.version, cron: s.cron, timezone: s.timezone ?? 'UTC',
        ...(s.input === undefined ? {} : { input: s.input }), ...(at ? { nextFireAt: at.toISOString() } : {}),
      };
    }),
  };
}
