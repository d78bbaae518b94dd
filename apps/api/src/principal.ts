import type { Principal } from '@baton/auth';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's own extension point
  namespace Express {
    interface Request {
      /** Set by the auth middleware on every `/v1` route and `/metrics`. */
      principal?: Principal;
    }
  }
}
