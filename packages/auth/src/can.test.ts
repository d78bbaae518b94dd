import { ACTIONS, type Action } from './action';
import { agentsOutside, can, type Resource } from './can';
import type { Principal } from './principal';
import { ROLES, type Role } from './role';

const as = (role: Role, extra: Partial<Principal> = {}): Principal => ({ tenant: 't1', role, subject: `${role}-1`, ...extra });

// API.md, Auth: admin everything; operator templates, cancel and retry any run of the tenant,
// dashboard; submitter submit runs, read runs, cancel its own; viewer read only.
const TABLE: Record<Action, readonly Role[]> = {
  'run.read': ['admin', 'operator', 'submitter', 'viewer'],
  'run.submit': ['admin', 'submitter'],
  'run.cancel': ['admin', 'operator', 'submitter'],
  'run.retry': ['admin', 'operator'],
  'workflow.validate': ['admin', 'operator', 'submitter'],
  'agent.read': ['admin', 'operator', 'submitter', 'viewer'],
  'metrics.read': ['admin', 'operator', 'submitter', 'viewer'],
  'template.read': ['admin', 'operator', 'submitter', 'viewer'],
  'template.write': ['admin', 'operator'],
  'dashboard.read': ['admin', 'operator'],
  'dashboard.write': ['admin'],
  'docs.read': ['admin', 'operator', 'submitter', 'viewer'],
  'admin.manage': ['admin'],
};

describe('can, by role (no resource: may the role do it at all)', () => {
  const cases = ACTIONS.flatMap((action) => ROLES.map((role) => [role, action, TABLE[action].includes(role)] as const));
  it.each(cases)('%s %s → %s', (role, action, expected) => {
    expect(can(as(role), action)).toBe(expected);
  });
});

describe('can, on a resource of the caller\'s tenant', () => {
  const own = { tenant: 't1', submittedBy: 'submitter-1' };
  const others = { tenant: 't1', submittedBy: 'someone-else' };
  const anonymous = { tenant: 't1', submittedBy: null };
  it.each<[string, Role, Action, Resource, boolean]>([
    ['a submitter cancels its own run', 'submitter', 'run.cancel', own, true],
    ['a submitter cannot cancel another\'s run', 'submitter', 'run.cancel', others, false],
    ['a submitter cannot cancel a run nobody submitted', 'submitter', 'run.cancel', anonymous, false],
    ['a submitter cannot cancel a run whose submitter is not given', 'submitter', 'run.cancel', { tenant: 't1' }, false],
    ['a submitter reads another\'s run', 'submitter', 'run.read', others, true],
    ['an operator cancels any run of the tenant', 'operator', 'run.cancel', others, true],
    ['an operator retries any run of the tenant', 'operator', 'run.retry', anonymous, true],
    ['an admin cancels any run', 'admin', 'run.cancel', others, true],
    ['a viewer reads a run', 'viewer', 'run.read', others, true],
    ['a viewer cannot cancel even its own', 'viewer', 'run.cancel', { tenant: 't1', submittedBy: 'viewer-1' }, false],
  ])('%s', (_, role, action, resource, expected) => {
    expect(can(as(role), action, resource)).toBe(expected);
  });
});

describe('can, tenancy', () => {
  it.each(ROLES)('%s may do nothing to another tenant\'s resource', (role) => {
    for (const action of ACTIONS) expect(can(as(role), action, { tenant: 't2', submittedBy: `${role}-1` })).toBe(false);
  });
});

describe('can, agent allow-lists', () => {
  const limited = as('submitter', { agents: ['echo', 'transform'] });
  it.each<[string, Principal, readonly string[], boolean]>([
    ['every agent in the list', limited, ['echo', 'transform', 'echo'], true],
    ['no agent at all', limited, [], true],
    ['one agent outside the list', limited, ['echo', 'http'], false],
    ['any agent without a list', as('submitter'), ['http', 'llm'], true],
    ['an empty list allows none', as('submitter', { agents: [] }), ['echo'], false],
  ])('%s', (_, principal, agents, expected) => {
    expect(can(principal, 'run.submit', { tenant: 't1', agents })).toBe(expected);
  });

  it('names the agents outside the list once each', () => {
    expect(agentsOutside(limited, ['http', 'echo', 'http', 'llm'])).toEqual(['http', 'llm']);
    expect(agentsOutside(as('admin'), ['http'])).toEqual([]);
  });
});
