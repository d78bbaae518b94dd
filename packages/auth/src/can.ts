import type { Action } from './action';
import { ACTIONS } from './action';
import type { Principal } from './principal';
import type { Role } from './role';

/** What an action is done to: enough of a run, template or key to decide. */
export interface Resource {
  /** The tenant it belongs to. */
  tenant: string;
  /** Who submitted it (a run's `submitted_by`): a submitter may cancel only its own runs. */
  submittedBy?: string | null;
  /** The agents it uses (a workflow being submitted): checked against the caller's allow-list. */
  agents?: readonly string[];
}

/** How far a grant reaches: any resource of the caller's tenant, or only those it submitted. */
type Reach = 'tenant' | 'own';

const everything = Object.fromEntries(ACTIONS.map((action) => [action, 'tenant'])) as Record<Action, Reach>;
const read = { 'run.read': 'tenant', 'agent.read': 'tenant', 'metrics.read': 'tenant', 'template.read': 'tenant', 'docs.read': 'tenant' } as const;

/** The role table of API.md (Auth). */
const GRANTS: Readonly<Record<Role, Readonly<Partial<Record<Action, Reach>>>>> = {
  admin: everything,
  operator: { ...read, 'workflow.validate': 'tenant', 'run.cancel': 'tenant', 'run.retry': 'tenant', 'template.write': 'tenant', 'dashboard.read': 'tenant' },
  submitter: { ...read, 'run.submit': 'tenant', 'workflow.validate': 'tenant', 'run.cancel': 'own' },
  viewer: read,
};

/** The agents of `agents` outside the principal's allow-list (none when it has no list). */
export function agentsOutside(principal: Principal, agents: readonly string[]): string[] {
  const allowed = principal.agents;
  if (allowed === undefined) return [];
  return [...new Set(agents.filter((agent) => !allowed.includes(agent)))];
}

/**
 * Whether `principal` may do `action` to `resource`: the one authorisation rule of Baton.
 *
 * Without a resource it answers whether the role may do the action at all (a route's guard,
 * before anything is loaded); with one it also checks the tenant, ownership for a grant limited
 * to the caller's own resources, and the agent allow-list.
 */
export function can(principal: Principal, action: Action, resource?: Resource): boolean {
  const reach = GRANTS[principal.role][action];
  if (reach === undefined) return false;
  if (resource === undefined) return true;
  if (resource.tenant !== principal.tenant) return false;
  if (reach === 'own' && (resource.submittedBy == null || resource.submittedBy !== principal.subject)) return false;
  return resource.agents === undefined || agentsOutside(principal, resource.agents).length === 0;
}
