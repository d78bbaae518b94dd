import type { Authenticator } from './authenticator';

/** No key configured (development only): every request, with or without credentials, is admin of tenant `default`. */
export function openAuthenticator(): Authenticator {
  return { authenticate: async () => ({ tenant: 'default', role: 'admin', subject: 'anonymous' }) };
}
