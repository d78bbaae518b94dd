import type { Role } from './role';

/** Who is calling: what an {@link Authenticator} makes of a credential. */
export interface Principal {
  /** Every run, template and key belongs to one tenant; another tenant's resource is a 404. */
  tenant: string;
  role: Role;
  /** The API key id or JWT `sub`; recorded as a run's `submitted_by`. */
  subject: string;
  /**
   * The agents this caller may use (a key's or a JWT's allow-list); absent means every agent.
   * Submitting a workflow that uses another agent is refused (`can`, `agentsOutside`).
   */
  agents?: readonly string[];
}
