import { authorize, type Principal } from '@baton/auth';
import { BatonError } from '@baton/core';
import { refuseUnstorable } from './refuse-unstorable';
import type { SubmitRequest, SubmitResult } from '../admission';
import { bodyHash } from './canonical-json';
import { checkInput, checkWorkflow } from './check-workflow';
import { catalogTemplates, checkSubWorkflows } from './sub-workflow-refs';
import { templateSubmission, type TemplateRunDeps, type TemplateSubmission } from './template-runs';
import type { UseCaseDeps } from './use-case-deps';

/** What checking a submission needs: the registered agents, the templates and their pauses, the limits. */
export type SubmissionCheckDeps = Omit<TemplateRunDeps, 'runtime'>;

/**
 * An inline workflow checked as a run's: its agents registered, the templates of its `workflow:`
 * steps existing, its agents and those of every sub-workflow it would start within the caller's
 * allow-list, the input against its schema.
 */
async function inlineSubmission(deps: SubmissionCheckDeps, principal: Principal, definition: unknown, input: unknown): Promise<TemplateSubmission> {
  const { workflow, compiled, hash, agents } = await checkWorkflow(definition, deps);
  const inside = await checkSubWorkflows(catalogTemplates(deps.templateCatalog, principal.tenant, deps), workflow, 'workflow.');
  authorize(principal, 'run.submit', { tenant: principal.tenant, agents: [...new Set([...agents, ...inside])] });
  return { workflow, compiled, definitionHash: hash, input: checkInput(workflow, input ?? {}, deps.limits) };
}

/** A submission: a workflow inline (an object, or JSON or YAML text), or a stored template (its latest version, or `version`). */
export interface SubmitRunInput {
  workflow?: unknown;
  template?: string;
  version?: number;
  input?: unknown;
  /** 1 (lowest) to 10. @defaultValue 5 */
  priority?: number;
  /** The client's `Idempotency-Key`: a retry with the same key and the same submission returns the same run. */
  idempotencyKey?: string;
  /** The request's `X-Request-Id` and W3C `traceparent`: correlation only, no part of the submission (nor of its idempotency). */
  requestId?: string;
  traceparent?: string;
}

/** What checking and recording a submission needs. */
export type SubmitRunDeps = SubmissionCheckDeps & { runtime: Pick<UseCaseDeps['runtime'], 'submit'> };

/**
 * Submits a run: checks the submission (storable text, workflow or template, the definition against
 * the language and the registered agents, the caller's agent allow-list, the input against the
 * workflow's schema), then records it. An `Idempotency-Key` is bound to the submission's canonical
 * JSON: the same key and submission again answer the first run (`created: false`).
 * @throws BatonError FORBIDDEN, VALIDATION_FAILED (every problem, with its path), TEMPLATE_NOT_FOUND,
 * IDEMPOTENCY_CONFLICT (the key was used with another submission), UNAVAILABLE
 */
export async function submitRun(deps: SubmitRunDeps, principal: Principal, submission: SubmitRunInput): Promise<SubmitResult> {
  authorize(principal, 'run.submit');
  return deps.runtime.submit(await checkSubmission(deps, principal, submission));
}

/**
 * A submission checked (see `submitRun`) into what the runtime records, the caller's allow-list and
 * idempotency included; `run.submit` itself is the caller's to authorize first.
 * @throws BatonError as `submitRun` does, but IDEMPOTENCY_CONFLICT (the runtime's, when recording)
 */
export async function checkSubmission(deps: SubmissionCheckDeps, principal: Principal, submission: SubmitRunInput): Promise<SubmitRequest> {
  const { idempotencyKey, requestId, traceparent, ...fields } = submission;
  // Postgres stores no NUL and no lone surrogate: refused before anything else, where they are.
  refuseUnstorable(fields, 'the request');
  const maxKey = deps.limits?.maxIdempotencyKeyLength ?? 200;
  if (idempotencyKey !== undefined && (idempotencyKey.length < 1 || idempotencyKey.length > maxKey)) {
    throw new BatonError('VALIDATION_FAILED', 'invalid Idempotency-Key', [{ path: 'Idempotency-Key', message: `must be 1 to ${maxKey} characters (BATON_MAX_IDEMPOTENCY_KEY_LENGTH)` }]);
  }
  if (fields.template !== undefined && fields.workflow !== undefined) {
    throw new BatonError('VALIDATION_FAILED', 'give either workflow or template', [{ path: 'template', message: 'not allowed together with workflow' }]);
  }
  if (fields.version !== undefined && fields.template === undefined) {
    throw new BatonError('VALIDATION_FAILED', 'version needs a template', [{ path: 'version', message: 'only allowed with template' }]);
  }
  if (fields.workflow === undefined && fields.template === undefined) {
    throw new BatonError('VALIDATION_FAILED', 'a workflow is required', [{ path: 'workflow', message: 'required (or a template)' }]);
  }
  const checked = fields.template !== undefined
    ? await templateSubmission(deps, principal, { template: fields.template, version: fields.version, input: fields.input })
    : await inlineSubmission(deps, principal, fields.workflow, fields.input);
  return {
    tenant: principal.tenant,
    ...checked,
    priority: fields.priority,
    idempotency: idempotencyKey === undefined ? undefined : { key: idempotencyKey, bodyHash: bodyHash(fields) },
    submittedBy: principal.subject,
    traceparent,
    requestId,
    allowedAgents: principal.agents,
  };
}
