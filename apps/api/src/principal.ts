/** The roles of API.md, from most to least powerful. */
export const ROLES = ['admin', 'operator', 'submitter', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: set on every authenticated request as `req.principal`. */
export interface Principal {
  /** Every run, template and key belongs to one tenant; another tenant's resource is a 404. */
  tenant: string;
  role: Role;
  /** The API key id or JWT `sub`; recorded as a run's `submitted_by`. */
  subject: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's own extension point
  namespace Express {
    interface Request {
      /** Set by the auth middleware on every `/v1` route and `/metrics`. */
      principal?: Principal;
    }
  }
}
