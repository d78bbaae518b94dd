import { createHash, timingSafeEqual } from 'node:crypto';
import type { Authenticator } from './authenticator';
import type { Principal } from './principal';

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** The subject of the bootstrap key: the one principal that may manage other tenants' API keys. */
export const ADMIN_KEY_SUBJECT = 'admin-key';

/** The bootstrap key of API.md: `BATON_ADMIN_KEY` is an admin of tenant `default`. */
export function adminKeyAuthenticator(adminKey: string): Authenticator {
  const expected = sha256(adminKey);
  const principal: Principal = { tenant: 'default', role: 'admin', subject: ADMIN_KEY_SUBJECT };
  return {
    // Digests have a fixed length, so the comparison time says nothing about the key.
    authenticate: async (credential) =>
      credential !== undefined && timingSafeEqual(sha256(credential), expected) ? { ...principal } : undefined,
  };
}
