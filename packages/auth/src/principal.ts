import type { Role } from './role';

/** Who is calling: what an {@link Authenticator} makes of a credential. */
export interface Principal {
  /** Every run, template and key belongs to one tenant; another tenant's resource is a 404. */
  tenant: string;
  role: Role;
  /**
   * Who it is, recorded as a run's `submitted_by` and the key of its rate limit: `key:<id>` for a
   * stored API key, `jwt:<sub>` for a JWT, `admin-key` for `BATON_ADMIN_KEY`.
   */
  subject: string;
  /** The id of the stored API key it authenticated with, if it did. */
  keyId?: string;
  /** Its own requests-per-minute limit (a stored key's `rateLimitPerMinute`); absent means the deployment's default. */
  rateLimitPerMinute?: number;
  /**
   * The agents this caller may use (a key's or a JWT's allow-list); absent means every agent.
   * Submitting a workflow that uses another agent is refused (`can`, `agentsOutside`).
   */
  agents?: readonly string[];
}
