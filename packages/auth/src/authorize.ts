import { BatonError } from '@baton/core';
import type { Action } from './action';
import { agentsOutside, can, type Resource } from './can';
import type { Principal } from './principal';

/**
 * Throws unless {@link can} allows it, with the error the caller should see.
 * @throws BatonError NOT_FOUND for another tenant's resource (API.md: a 404, never a 403)
 * @throws BatonError FORBIDDEN otherwise, naming the agents outside the caller's allow-list when that is why
 */
export function authorize(principal: Principal, action: Action, resource?: Resource): void {
  if (can(principal, action, resource)) return;
  if (resource === undefined) throw new BatonError('FORBIDDEN', `the ${principal.role} role may not do ${action}`);
  if (resource.tenant !== principal.tenant) throw new BatonError('NOT_FOUND', 'not found');
  const outside = agentsOutside(principal, resource.agents ?? []);
  if (outside.length > 0 && can(principal, action, { ...resource, agents: [] })) {
    throw new BatonError(
      'FORBIDDEN',
      `this caller may not use the agent${outside.length > 1 ? 's' : ''} ${outside.join(', ')}`,
      outside.map((agent) => ({ path: 'agents', message: `${agent} is outside the caller's agent allow-list` })),
    );
  }
  throw new BatonError('FORBIDDEN', `the ${principal.role} role may not do ${action} on this resource`);
}
