import type { Principal } from './principal';

/**
 * Turns a credential (the `X-API-Key` value or the `Authorization: Bearer` token, see
 * `credentialOf`) into a principal; resolves undefined for a credential it does not accept.
 *
 * A new way to authenticate (stored API keys, JWTs) is one more implementation of this interface,
 * put in the chain by the api's composition root ({@link chainAuthenticators}).
 */
export interface Authenticator {
  /**
   * @throws BatonError UNAUTHENTICATED for a credential of its own kind that it refuses with a
   * reason worth telling its holder (an expired key or token, a token without a role)
   * @throws anything else only when it cannot tell (its store is down): the request then fails with 503, not 401.
   */
  authenticate(credential: string | undefined): Promise<Principal | undefined>;
}

/** The first authenticator that accepts the credential wins; none accepting it resolves undefined. */
export function chainAuthenticators(...authenticators: Authenticator[]): Authenticator {
  return {
    async authenticate(credential) {
      for (const a of authenticators) {
        const principal = await a.authenticate(credential);
        if (principal) return principal;
      }
      return undefined;
    },
  };
}
