import { authorize, type Principal } from '@baton/auth';
import { BatonError } from '@baton/core';
import { AGENT_NAME, SECRET_NAME } from '@baton/workflow';
import type { SecretCipher } from '../secrets/secret-cipher';
import type { SecretStore } from '../secrets/secret-store';

/** What the secret use cases need: the store, and the cipher when `BATON_SECRET_KEY` is set. */
export interface SecretDeps {
  secrets: SecretStore;
  /** Undefined when no key is configured: a secret cannot be written. */
  secretCipher?: SecretCipher;
}

export interface PutSecretInput {
  name: string;
  value: string;
  /** The agents that may receive it; absent means every agent. */
  allowedAgents?: string[];
}

/** A secret as listed: never its value. */
export interface SecretSummary {
  name: string;
  allowedAgents: string[] | null;
  createdAt: string;
  updatedAt: string;
}

/** Largest value, in UTF-8 bytes: a token, a password, a key file; not a document. */
export const MAX_SECRET_BYTES = 65_536;

function checkName(name: string): void {
  if (!SECRET_NAME.test(name)) {
    throw new BatonError('VALIDATION_FAILED', 'invalid secret name', [{ path: 'name', message: 'must be 1-128 letters, digits or _, not starting with a digit' }]);
  }
}

/**
 * Creates or replaces a secret of the caller's tenant, encrypted with the current key. The value is
 * write-only: nothing answers it afterwards.
 * @throws BatonError FORBIDDEN (admins only), VALIDATION_FAILED (name, value or agents; never showing the value),
 * UNAVAILABLE naming BATON_SECRET_KEY when no key is configured
 */
export async function putSecret(deps: SecretDeps, principal: Principal, input: PutSecretInput): Promise<{ created: boolean }> {
  authorize(principal, 'admin.manage');
  checkName(input.name);
  const problems: { path: string; message: string }[] = [];
  if (input.value.length === 0) problems.push({ path: 'value', message: 'must not be empty' });
  else if (Buffer.byteLength(input.value, 'utf8') > MAX_SECRET_BYTES) problems.push({ path: 'value', message: `must be at most ${MAX_SECRET_BYTES} bytes` });
  (input.allowedAgents ?? []).forEach((agent, i) => {
    if (!AGENT_NAME.test(agent)) problems.push({ path: `allowedAgents[${i}]`, message: 'not an agent name' });
  });
  if (problems.length > 0) throw new BatonError('VALIDATION_FAILED', 'invalid secret', problems);
  if (!deps.secretCipher) throw new BatonError('UNAVAILABLE', 'secrets are not configured: set BATON_SECRET_KEY (32 bytes, hex or base64) on the api and the workers');
  const sealed = deps.secretCipher.seal(principal.tenant, input.name, input.value);
  const allowedAgents = input.allowedAgents === undefined ? null : [...new Set(input.allowedAgents)];
  return deps.secrets.put({ tenant: principal.tenant, name: input.name, ...sealed, allowedAgents });
}

/** The caller's tenant's secrets, by name, without values. @throws BatonError FORBIDDEN */
export async function listSecrets(deps: Pick<SecretDeps, 'secrets'>, principal: Principal): Promise<{ items: SecretSummary[] }> {
  authorize(principal, 'admin.manage');
  const rows = await deps.secrets.list(principal.tenant);
  return { items: rows.map((r) => ({ name: r.name, allowedAgents: r.allowedAgents, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() })) };
}

/**
 * Deletes a secret of the caller's tenant. Workers may use a value they decrypted for a few
 * seconds more (their cache); runs that read it afterwards fail their step.
 * @throws BatonError FORBIDDEN, SECRET_NOT_FOUND (also for another tenant's)
 */
export async function deleteSecret(deps: Pick<SecretDeps, 'secrets'>, principal: Principal, { name }: { name: string }): Promise<void> {
  authorize(principal, 'admin.manage');
  const wellFormed = SECRET_NAME.test(name);
  if (!wellFormed || !(await deps.secrets.delete(principal.tenant, name))) {
    throw new BatonError('SECRET_NOT_FOUND', wellFormed ? `secret ${name} not found` : 'secret not found');
  }
}
