import { authorize, type Principal } from '@baton/auth';
import { attemptLogs, type AttemptEvent } from './attempt-log';
import { stepUsages } from './step-usage';
import { hydrateWithin } from './hydrate-within';
import { loadRun } from './load-run';
import type { AgentDirectory } from './agent-directory';
import { toRunView, type RunView, type StepView } from './run-view';
import type { UseCaseDeps } from './use-case-deps';

/**
 * One run of the caller's tenant with its entries, in a stable order. Values stored by reference
 * come back as plain values as long as the answer fits `viewBudgetBytes` (in document order), the
 * rest as links to `GET /v1/payloads/:id`: one read never loads a run's every large value.
 * @throws BatonError FORBIDDEN, RUN_NOT_FOUND
 */
export async function getRun(deps: Pick<UseCaseDeps, 'queries' | 'viewBudgetBytes' | 'agents' | 'runLinks'>, principal: Principal, { id }: { id: string }): Promise<RunView> {
  authorize(principal, 'run.read');
  const run = await loadRun(deps.queries, principal, id);
  const [steps, events] = await Promise.all([deps.queries.steps(principal.tenant, id), historyOf(deps.queries, principal.tenant, id)]);
  const view = toRunView(run, steps);
  const logs = attemptLogs(events);
  const usages = stepUsages(events);
  for (const step of view.steps) {
    step.attemptLog = logs.get(step.key) ?? [];
    const usage = usages.get(step.key);
    if (usage) step.usage = usage;
  }
  const hydrated = (await hydrateWithin(view, deps.viewBudgetBytes, (ids) => deps.queries.payloads(principal.tenant, ids))) as RunView;
  await markWaiting(hydrated.steps, deps.agents);
  if (deps.runLinks) await markLinks(hydrated, run, deps.runLinks);
  return hydrated;
}

/**
 * Sub-workflow links: the parent of a template's run (only those can be children), the child of
 * each sub-workflow step's current attempt (only definitions with `workflow:` steps have any).
 */
async function markLinks(view: RunView, run: { template: string | null; definition: unknown }, links: NonNullable<UseCaseDeps['runLinks']>): Promise<void> {
  const steps = (run.definition as { steps?: Array<{ workflow?: unknown }> } | null)?.steps;
  const [parents, children] = await Promise.all([
    run.template === null ? [] : links.parents([view.id]),
    Array.isArray(steps) && steps.some((s) => typeof s?.workflow === 'string') ? links.children(view.id) : [],
  ]);
  const parent = parents[0];
  if (parent) Object.assign(view, { parentRunId: parent.parentRunId, parentStepKey: parent.parentStepKey });
  const child = new Map(children.map((c) => [`${c.parentStepKey}#${c.parentAttempt}`, c.childRunId]));
  for (const step of view.steps) {
    const id = step.agent === undefined ? child.get(`${step.key}#${step.attempts}`) : undefined;
    if (id) step.childRunId = id;
  }
}

const HISTORY_PAGE = 5_000;

/** The run's whole history, a page at a time (the attempt log is derived from it). */
async function historyOf(queries: UseCaseDeps['queries'], tenant: string, id: string): Promise<AttemptEvent[]> {
  const events: AttemptEvent[] = [];
  for (let after = 0; ; ) {
    const page = await queries.history(tenant, id, after, HISTORY_PAGE);
    events.push(...(page?.events ?? []));
    if (!page || page.events.length < HISTORY_PAGE) return events;
    after = page.events.at(-1)!.seq;
  }
}

/**
 * Says why queued steps cannot start: no live worker serves their agent (`waitingFor`). Asked of
 * the directory only when a step is queued; a directory that cannot answer (Redis down) adds nothing.
 */
async function markWaiting(steps: StepView[], agents: Pick<AgentDirectory, 'list'>): Promise<void> {
  const queued = steps.filter((s) => s.status === 'queued' && s.agent !== undefined);
  if (queued.length === 0) return;
  const list = await agents.list().catch(() => undefined);
  if (!list) return;
  const byName = new Map(list.map((a) => [a.name, a]));
  for (const step of queued) {
    const agent = byName.get(step.agent!);
    if (agent && agent.workers > 0) continue;
    const since = agent?.lastSeenAt ? new Date(agent.lastSeenAt) : undefined;
    step.waitingFor = {
      agent: step.agent!,
      reason: since && since.getTime() > 0 ? `no live worker since ${since.toISOString()}` : 'no live worker: none has served this agent yet',
    };
  }
}
