import { createHash, timingSafeEqual } from 'node:crypto';
import type { Principal } from './principal';

/**
 * Turns a credential (the `X-API-Key` value or the `Authorization: Bearer` token) into a principal.
 * Resolves undefined for a credential it does not accept. Stored API keys and JWTs are further
 * implementations of this interface, tried in turn by {@link chainAuthenticators}.
 */
export interface Authenticator {
  authenticate(credential: string | undefined): Promise<Principal | undefined>;
}

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** The bootstrap key of API.md: `BATON_ADMIN_KEY` is an admin of tenant `default`. */
export function adminKeyAuthenticator(adminKey: string): Authenticator {
  const expected = sha256(adminKey);
  const principal: Principal = { tenant: 'default', role: 'admin', subject: 'admin-key' };
  return {
    // Digests have a fixed length, so the comparison time says nothing about the key.
    authenticate: async (credential) =>
      credential !== undefined && timingSafeEqual(sha256(credential), expected) ? { ...principal } : undefined,
  };
}

/** No key configured: every request, with or without credentials, is admin of tenant `default`. */
export function openAuthenticator(): Authenticator {
  return { authenticate: async () => ({ tenant: 'default', role: 'admin', subject: 'anonymous' }) };
}

/** The first authenticator that accepts the credential wins. */
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
