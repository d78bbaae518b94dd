import { authorize, type Principal } from '@baton/auth';
import { BatonError } from '@baton/core';
import { EVENT_TYPE } from '@baton/workflow';
import { refuseUnstorable } from './refuse-unstorable';
import { bodyHash } from './canonical-json';
import { templateSubmission, type TemplateRunDeps, type TemplateSubmission } from './template-runs';
import type { TemplateStore } from './templates';

export interface PostEventInput {
  type: string;
  payload?: unknown;
  /** The client's `Idempotency-Key`: each template's run is keyed by it and the template's name. */
  idempotencyKey?: string;
  requestId?: string;
  traceparent?: string;
}

export interface EventDeps extends TemplateRunDeps {
  templates?: Pick<TemplateStore, 'latestWith'>;
}

/**
 * Starts a run of every template of the caller's tenant whose latest version lists `type` in its
 * `on`, with the payload as input. All of them are checked before any starts: one refused (its
 * input schema, an agent outside the caller's allow-list) starts none. No template listening is
 * no error (`runs: []`).
 * @throws BatonError FORBIDDEN, VALIDATION_FAILED (paths under `payload`, messages naming the template), UNAVAILABLE
 */
export async function postEvent(deps: EventDeps, principal: Principal, event: PostEventInput): Promise<{ runs: string[] }> {
  authorize(principal, 'run.submit');
  if (!EVENT_TYPE.test(event.type)) {
    throw new BatonError('VALIDATION_FAILED', 'invalid event type', [{ path: 'type', message: 'must match [A-Za-z0-9][A-Za-z0-9._:/-]{0,127}' }]);
  }
  const fields = { type: event.type, payload: event.payload };
  refuseUnstorable(fields, 'the request');
  const listening = (await deps.templates?.latestWith({ tenant: principal.tenant, trigger: event.type })) ?? [];
  const submissions: TemplateSubmission[] = [];
  const problems: Array<{ path: string; message: string }> = [];
  for (const t of listening) {
    try {
      submissions.push(await templateSubmission(deps, principal, { template: t.name, version: t.version, input: event.payload }));
    } catch (err) {
      if (!(err instanceof BatonError) || err.code !== 'VALIDATION_FAILED') throw err;
      for (const d of err.details ?? []) problems.push({ path: d.path.replace(/^input/, 'payload'), message: `template ${t.name}: ${d.message}` });
    }
  }
  if (problems.length > 0) throw new BatonError('VALIDATION_FAILED', 'the event cannot start every template that listens to it', problems);
  const hash = bodyHash(fields);
  const runs = await Promise.all(submissions.map((s) => deps.runtime.submit({
    tenant: principal.tenant,
    ...s,
    submittedBy: principal.subject,
    allowedAgents: principal.agents,
    requestId: event.requestId,
    traceparent: event.traceparent,
    idempotency: event.idempotencyKey === undefined ? undefined : { key: `event:${event.idempotencyKey}:${s.template!.name}`, bodyHash: hash },
  })));
  return { runs: runs.map((r) => r.id) };
}
