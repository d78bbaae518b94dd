import { authorize, type Principal } from '@baton/auth';
import { BatonError } from '@baton/core';
import type { NewTemplateVersion, TemplateSummary, TemplateVersion } from '@baton/db';
import { WORKFLOW_NAME, parseWorkflow, type WorkflowDefinition } from '@baton/workflow';
import { refuseUnstorable } from './refuse-unstorable';
import { bodyHash } from './canonical-json';
import { checkWorkflow, type CheckDeps } from './check-workflow';
import { diffJson, type JsonChange } from './diff-json';
import type { TemplatePauseStore } from './operate-templates';
import { refuseSelfInclusion, refuseUnknownTemplates } from './template-cycle';

/** Stored templates, one row per version (`KyselyTemplateStore` of `@baton/db`). */
export interface TemplateStore {
  put(template: NewTemplateVersion): Promise<{ version: number; created: boolean }>;
  get(tenant: string, name: string, version?: number): Promise<TemplateVersion | undefined>;
  latestVersion(tenant: string, name: string): Promise<number | undefined>;
  list(tenant: string, options: { limit: number; after?: string }): Promise<TemplateSummary[]>;
  latestWith(filter: { tenant?: string; schedule?: true; trigger?: string }): Promise<TemplateVersion[]>;
}

/** Told after every PUT of a template, changed or not: caches of "latest" on every api instance, and the template's schedule. */
export interface TemplateChanges {
  changed(tenant: string, name: string): Promise<void>;
}

export interface TemplateDeps extends CheckDeps {
  templates: TemplateStore;
  /** @defaultValue nothing is told */
  templateChanges?: TemplateChanges;
}

export interface PutTemplateInput {
  /** The path's `:name`. */
  name: string;
  /** A definition object, or its YAML or JSON text. Without a `name`, the path's is used. */
  definition: unknown;
}

/** What a PUT answers: the version that holds the definition, and whether the PUT made it. */
export interface PutTemplateResult {
  name: string;
  version: number;
  created: boolean;
}

/** A stored version as `GET /v1/templates/:name[/versions/:v]` answers it. */
export interface TemplateView {
  name: string;
  version: number;
  description?: string;
  definition: unknown;
  createdAt: string;
  createdBy?: string;
  /** Present while the template is paused (its new runs are admitted paused): who paused it, and when. */
  paused?: { by: string; at: string };
}

export interface TemplatePage {
  items: TemplateSummary[];
  nextCursor?: string;
}

export const DEFAULT_TEMPLATE_PAGE = 50;

const notFound = (name: string, version?: number) =>
  new BatonError('TEMPLATE_NOT_FOUND', version === undefined ? `template ${name} not found` : `template ${name} has no version ${version}`);

// checkWorkflow reports paths under `workflow` (a submission's field); a PUT's body is the definition itself.
function atRoot(err: unknown): unknown {
  if (!(err instanceof BatonError) || err.code !== 'VALIDATION_FAILED') return err;
  const details = (err.details ?? []).map((d) => ({ ...d, path: d.path === 'workflow' ? '' : d.path.replace(/^workflow\.?/, '') }));
  return new BatonError('VALIDATION_FAILED', 'the template is not valid', details);
}

/** A definition object to check, its `name` taken from the path when it has none. */
function named(definition: unknown, name: string): unknown {
  if (definition === null || typeof definition !== 'object' || Array.isArray(definition)) return definition;
  const given = (definition as Record<string, unknown>).name;
  if (given === undefined) return { name, ...definition };
  if (given !== name) {
    throw new BatonError('VALIDATION_FAILED', 'the definition\'s name is not the template\'s', [{ path: 'name', message: `must be '${name}', the name in the path (or left out)` }]);
  }
  return definition;
}

/** The hash that tells two definitions apart: canonical JSON of the validated definition (defaults applied), so key order and YAML layout do not count. */
export const templateHash = (workflow: WorkflowDefinition): string => bodyHash(workflow);

/**
 * Stores a new version of a template when its definition changed since the latest version (the
 * same definition again answers that version, `created: false`). The definition is checked as an
 * inline workflow's is (every problem with its path, against the agents workers registered) and
 * may use only the caller's allowed agents. The other api instances and the template's schedule
 * are told of it.
 * @throws BatonError FORBIDDEN, VALIDATION_FAILED, UNAVAILABLE
 */
export async function putTemplate(deps: TemplateDeps, principal: Principal, input: PutTemplateInput): Promise<PutTemplateResult> {
  authorize(principal, 'template.write');
  if (!WORKFLOW_NAME.test(input.name)) {
    throw new BatonError('VALIDATION_FAILED', 'invalid template name', [{ path: 'name', message: 'must match [a-z0-9][a-z0-9._-]{0,63}' }]);
  }
  refuseUnstorable(input.definition, 'the definition');
  let definition = input.definition;
  if (typeof definition === 'string') {
    const read = deps.readDefinition ?? parseWorkflow;
    const parsed = await read(definition, { maxYamlNodes: deps.limits?.maxYamlNodes });
    if (!parsed.ok) throw new BatonError('VALIDATION_FAILED', 'the template is not valid', parsed.problems);
    definition = parsed.definition;
  }
  definition = named(definition, input.name);
  const checked = await checkWorkflow(definition, deps).catch((err: unknown) => {
    throw atRoot(err);
  });
  authorize(principal, 'template.write', { tenant: principal.tenant, agents: checked.agents });
  await refuseSelfInclusion(deps.templates, principal.tenant, input.name, checked.workflow);
  await refuseUnknownTemplates(deps.templates, principal.tenant, checked.workflow);
  return storeTemplate(deps, { tenant: principal.tenant, definition, workflow: checked.workflow, createdBy: principal.subject });
}

/** Stores a checked definition (a PUT, or a file of `BATON_TEMPLATES_DIR`) and tells `templateChanges`. */
export async function storeTemplate(
  deps: Pick<TemplateDeps, 'templates' | 'templateChanges'>,
  t: { tenant: string; definition: unknown; workflow: WorkflowDefinition; createdBy?: string },
): Promise<PutTemplateResult> {
  const { workflow } = t;
  const { version, created } = await deps.templates.put({
    tenant: t.tenant,
    name: workflow.name,
    definition: t.definition,
    definitionHash: templateHash(workflow),
    description: workflow.description,
    schedule: workflow.schedule,
    triggers: workflow.on,
    createdBy: t.createdBy,
  });
  // An unchanged PUT tells again: a schedule whose earlier sync failed (Redis down) is made right.
  await deps.templateChanges?.changed(t.tenant, workflow.name);
  return { name: workflow.name, version, created };
}

function view(t: TemplateVersion): TemplateView {
  return {
    name: t.name,
    version: t.version,
    ...(t.description === null ? {} : { description: t.description }),
    definition: t.definition,
    createdAt: t.createdAt.toISOString(),
    ...(t.createdBy === null ? {} : { createdBy: t.createdBy }),
  };
}

/**
 * The caller's template at `version`, or its latest, with its pause (a template-wide state) when
 * `templatePauses` is given. @throws BatonError TEMPLATE_NOT_FOUND (another tenant's too)
 */
export async function getTemplate(
  deps: Pick<TemplateDeps, 'templates'> & { templatePauses?: Pick<TemplatePauseStore, 'pauseOf'> },
  principal: Principal,
  input: { name: string; version?: number },
): Promise<TemplateView> {
  authorize(principal, 'template.read');
  const [t, pause] = await Promise.all([
    deps.templates.get(principal.tenant, input.name, input.version),
    deps.templatePauses?.pauseOf(principal.tenant, input.name),
  ]);
  if (!t) throw notFound(input.name, input.version);
  return { ...view(t), ...(pause ? { paused: { by: pause.by, at: pause.at.toISOString() } } : {}) };
}

/** The caller's templates by name, each with its latest version; `cursor` is the last name of the page before. */
export async function listTemplates(deps: Pick<TemplateDeps, 'templates'>, principal: Principal, input: { limit?: number; cursor?: string }): Promise<TemplatePage> {
  authorize(principal, 'template.read');
  const limit = input.limit ?? DEFAULT_TEMPLATE_PAGE;
  const rows = await deps.templates.list(principal.tenant, { limit: limit + 1, after: input.cursor });
  const items = rows.slice(0, limit);
  return rows.length > limit ? { items, nextCursor: items[items.length - 1]!.name } : { items };
}

export interface TemplateDiff {
  name: string;
  from: number;
  to: number;
  /** Every path whose value differs, in document order. */
  changes: JsonChange[];
}

/** What changed in a template's definition from one version to another. @throws BatonError TEMPLATE_NOT_FOUND */
export async function diffTemplate(deps: Pick<TemplateDeps, 'templates'>, principal: Principal, input: { name: string; from: number; to: number }): Promise<TemplateDiff> {
  authorize(principal, 'template.read');
  const [from, to] = await Promise.all([deps.templates.get(principal.tenant, input.name, input.from), deps.templates.get(principal.tenant, input.name, input.to)]);
  if (!from) throw notFound(input.name, input.from);
  if (!to) throw notFound(input.name, input.to);
  return { name: input.name, from: input.from, to: input.to, changes: diffJson(from.definition, to.definition) };
}
