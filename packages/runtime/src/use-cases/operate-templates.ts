import { authorize, type Principal } from '@baton/auth';
import { BatonError } from '@baton/core';
import type { Runtime } from '../runtime';

/** Paused templates of each tenant: the port `KyselyTemplatePauses` of `@baton/db` matches. */
export interface TemplatePauseStore {
  /** Marks the template paused; false when it was already, undefined when the tenant has no such template. */
  pause(tenant: string, name: string, by: string, at: Date): Promise<boolean | undefined>;
  /** Unmarks it; false when it was not paused, undefined when the tenant has no such template. */
  resume(tenant: string, name: string): Promise<boolean | undefined>;
  /** Who paused it, undefined when it is not paused. */
  pausedBy(tenant: string, name: string): Promise<string | undefined>;
  /** Who paused it and when, undefined when it is not paused. */
  pauseOf(tenant: string, name: string): Promise<{ by: string; at: Date } | undefined>;
  /** Up to `limit` runs of the template still paused by `pausedBy`, oldest first. */
  pausedRuns(tenant: string, name: string, pausedBy: string, limit: number): Promise<string[]>;
}

export interface TemplatePauseDeps {
  templatePauses?: TemplatePauseStore;
  runtime: Pick<Runtime, 'resume'>;
}

const store = (deps: TemplatePauseDeps): TemplatePauseStore => {
  if (!deps.templatePauses) throw new BatonError('TEMPLATE_NOT_FOUND', 'templates are not available on this deployment');
  return deps.templatePauses;
};
const notFound = (name: string) => new BatonError('TEMPLATE_NOT_FOUND', `template ${name.slice(0, 100)} not found`);

/**
 * Pauses a template: its new runs (submitted, triggered or scheduled) are admitted `paused`, their
 * first steps held, until the template is resumed; runs already going are not touched. Idempotent.
 * @throws BatonError FORBIDDEN, TEMPLATE_NOT_FOUND
 */
export async function pauseTemplate(deps: TemplatePauseDeps, principal: Principal, { name }: { name: string }): Promise<{ name: string; paused: true }> {
  authorize(principal, 'template.write');
  if ((await store(deps).pause(principal.tenant, name, principal.subject, new Date())) === undefined) throw notFound(name);
  return { name, paused: true };
}

/**
 * Resumes a template: new runs start at once again, and the runs admitted while it was paused
 * (still paused by it) are resumed; answers how many. Resuming a template that is not paused
 * resumes nothing.
 * @throws BatonError FORBIDDEN, TEMPLATE_NOT_FOUND
 */
export async function resumeTemplate(deps: TemplatePauseDeps, principal: Principal, { name }: { name: string }): Promise<{ name: string; paused: false; resumedRuns: number }> {
  authorize(principal, 'template.write');
  const pauses = store(deps);
  if ((await pauses.resume(principal.tenant, name)) === undefined) throw notFound(name);
  let resumedRuns = 0;
  for (;;) {
    const ids = await pauses.pausedRuns(principal.tenant, name, `template:${name}`, 200);
    if (ids.length === 0) break;
    const resumed = await Promise.all(ids.map((id) => deps.runtime.resume(principal.tenant, id, principal.subject)));
    resumedRuns += resumed.filter(Boolean).length;
    // A run resumed by another caller meanwhile is no longer listed; one that did not change would be again.
    if (!resumed.some(Boolean)) break;
  }
  return { name, paused: false, resumedRuns };
}
