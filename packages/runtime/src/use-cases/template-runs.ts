import { authorize, type Principal } from '@baton/auth';
import { BatonError } from '@baton/core';
import type { SubmitRequest, SubmitResult } from '../admission';
import type { Runtime } from '../runtime';
import { bodyHash } from './canonical-json';
import { checkInput, type CheckDeps } from './check-workflow';
import { catalogTemplates, checkSubWorkflows } from './sub-workflow-refs';
import type { TemplateCatalog } from './template-catalog';
import type { TemplatePauseStore } from './operate-templates';

/** What starting a template needs: the catalog (absent: no template exists), the runtime, and what checks a definition. */
export interface TemplateRunDeps extends CheckDeps {
  templateCatalog?: Pick<TemplateCatalog, 'resolve'>;
  /** Paused templates: a run of one is admitted paused. Absent, no template is paused. */
  templatePauses?: Pick<TemplatePauseStore, 'pausedBy'>;
  runtime: Pick<Runtime, 'submit'>;
}

/** The part of a run's submission a template decides. */
export type TemplateSubmission = Pick<SubmitRequest, 'workflow' | 'compiled' | 'definitionHash' | 'input' | 'template' | 'pausedBy'>;

/**
 * A run of the caller's template `name` (at `version`, or its latest): the version checked as an
 * inline workflow is (its agents registered and within the caller's allow-list), the input checked
 * against its input schema with its defaults applied. The run records the template's name and the
 * version it resolved to, and keeps that version whatever is put later.
 * @throws BatonError TEMPLATE_NOT_FOUND, FORBIDDEN, VALIDATION_FAILED, UNAVAILABLE
 */
export async function templateSubmission(
  deps: Omit<TemplateRunDeps, 'runtime'>,
  principal: Principal,
  request: { template: string; version?: number; input?: unknown },
): Promise<TemplateSubmission> {
  if (!deps.templateCatalog) throw new BatonError('TEMPLATE_NOT_FOUND', `template ${request.template} not found: templates are not available on this deployment`);
  const { template, checked } = await deps.templateCatalog.resolve(principal.tenant, request.template, request.version, deps);
  // The agents of the sub-workflows it would start, recursively, are held to the allow-list too.
  const inside = await checkSubWorkflows(catalogTemplates(deps.templateCatalog, principal.tenant, deps), checked.workflow, 'template.');
  authorize(principal, 'run.submit', { tenant: principal.tenant, agents: [...new Set([...checked.agents, ...inside])] });
  const input = checkInput(checked.workflow, request.input ?? {}, deps.limits);
  const paused = await deps.templatePauses?.pausedBy(principal.tenant, template.name);
  return {
    ...(paused === undefined ? {} : { pausedBy: `template:${template.name}` }),
    workflow: checked.workflow,
    compiled: checked.compiled,
    definitionHash: checked.hash,
    input,
    template: { name: template.name, version: template.version },
  };
}

/** A tick of a template's schedule: which version declared it, and the tick's time (ms since the epoch). */
export interface ScheduleFire {
  tenant: string;
  name: string;
  version: number;
  tick: number;
}

/**
 * Starts the run of one schedule tick, with the schedule's `input`. Its idempotency key is the
 * template's name and the tick, so a tick fired twice (a job handed to a second worker) makes one run.
 * @throws BatonError as {@link templateSubmission}; a template whose version has no schedule any more starts nothing (undefined)
 */
export async function fireSchedule(deps: TemplateRunDeps, fire: ScheduleFire): Promise<SubmitResult | undefined> {
  const principal: Principal = { tenant: fire.tenant, role: 'submitter', subject: `schedule:${fire.name}` };
  const resolved = await deps.templateCatalog?.resolve(fire.tenant, fire.name, fire.version, deps);
  const schedule = resolved?.checked.workflow.schedule;
  if (!schedule) return undefined;
  const submission = await templateSubmission(deps, principal, { template: fire.name, version: fire.version, input: schedule.input });
  return deps.runtime.submit({
    tenant: fire.tenant,
    ...submission,
    submittedBy: principal.subject,
    idempotency: { key: `schedule:${fire.name}:${fire.tick}`, bodyHash: bodyHash({ name: fire.name, tick: fire.tick }) },
  });
}
