import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { can, credentialOf, type Action, type Authenticator, type Principal } from '@baton/auth';
import { BatonError } from '@baton/core';
import { addressKey, applyAllowance, markCounted, principalKey, type RateLimits } from './rate-limit';

export interface AuthenticateOptions {
  /** Counts the request against its caller's limit (or its address's, without credentials); none without. */
  limits?: RateLimits;
  /** The `WWW-Authenticate` scheme of a 401: `Basic` makes a browser prompt for the key. @defaultValue 'Bearer' */
  challenge?: 'Bearer' | 'Basic';
}

const TOO_MANY_FAILURES = 'too many failed authentications from this address';

/**
 * Attaches `req.principal`, or answers 401 UNAUTHENTICATED. With `limits`, the request counts
 * against its principal's limit (its address's when it brought no credentials), a credential
 * refused counts against its address's failure budget, and past that budget every credential from
 * the address is a 429, the right one too, until the minute ends (no guessing keys).
 * @throws BatonError RATE_LIMITED past a limit
 */
export function authenticate(authenticator: Authenticator, { limits, challenge = 'Bearer' }: AuthenticateOptions = {}): RequestHandler {
  return async (req, res, next) => {
    const credential = credentialOf(req.headers);
    const address = req.ip ?? 'unknown';
    if (limits) markCounted(req);
    if (credential !== undefined) applyAllowance(res, limits?.lockout(address), TOO_MANY_FAILURES);
    let refusal: BatonError | undefined;
    const principal = await authenticator.authenticate(credential).catch((error: unknown) => {
      // A credential refused with a reason its holder may know (an expired key or token): still a refusal.
      if (!(error instanceof BatonError && error.code === 'UNAUTHENTICATED')) throw error;
      refusal = error;
      return undefined;
    });
    if (!principal) {
      applyAllowance(res, credential === undefined ? await limits?.request(addressKey(address)) : await limits?.authFailure(address),
        credential === undefined ? undefined : TOO_MANY_FAILURES);
      res.setHeader('WWW-Authenticate', `${challenge} realm="baton"`);
      throw refusal ?? new BatonError(
        'UNAUTHENTICATED',
        credential === undefined ? 'credentials required: send X-API-Key, Authorization: Bearer, or the key as the password of Basic auth' : 'invalid credentials',
      );
    }
    applyAllowance(res, await limits?.request(credential === undefined ? addressKey(address) : principalKey(principal), principal.rateLimitPerMinute, principal.keyId));
    req.principal = principal;
    next();
  };
}

/** The caller of an authenticated route. @throws BatonError UNAUTHENTICATED when the auth middleware did not run. */
export function principalOf(req: { principal?: Principal }): Principal {
  if (!req.principal) throw new BatonError('UNAUTHENTICATED', 'credentials required');
  return req.principal;
}

/** A middleware generic in the route's parameters, so it fits before the handler of any path. */
export type RouteGuard = <P>(req: Request<P>, res: Response, next: NextFunction) => void;

/**
 * Lets the request through when the caller's role may do `action` at all (`can` without a
 * resource); a route that loads a resource asks `can` again with it.
 * @throws BatonError FORBIDDEN otherwise
 */
export function requirePermission(action: Action): RouteGuard {
  return (req, _res, next) => {
    const principal = principalOf(req);
    if (!can(principal, action)) throw new BatonError('FORBIDDEN', `the ${principal.role} role may not do this`);
    next();
  };
}
