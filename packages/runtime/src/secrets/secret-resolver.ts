import { SecretDecryptError, type SecretCipher } from './secret-cipher';
import type { SecretStore } from './secret-store';

/**
 * A step may not have the secrets it names: none configured, one missing, one its agent may not
 * receive, or one that does not decrypt. The step fails for good; the message names the secret and
 * the agent, never a value.
 */
export class SecretRefusedError extends Error {
  readonly code = 'SECRET';
  constructor(message: string) {
    super(message);
    this.name = 'SecretRefusedError';
  }
}

export interface SecretResolverOptions {
  store: Pick<SecretStore, 'get'>;
  /** Undefined when `BATON_SECRET_KEY` is not set: every secret is refused. */
  cipher?: SecretCipher;
  /** How long a decrypted secret is reused in this process (a change or a deletion shows after it). @defaultValue 5000 */
  ttlMs?: number;
  /** @defaultValue Date.now */
  now?: () => number;
}

interface Cached {
  value: string;
  allowedAgents: string[] | null;
  at: number;
}

const MAX_CACHED = 1000;

/**
 * The worker's side of secrets: loads and decrypts the secrets a step names, just before its
 * agent runs, and checks that the agent may receive each. Decrypted values are kept in this
 * process's memory only, for `ttlMs`.
 */
export class SecretResolver {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly options: SecretResolverOptions) {}

  /**
   * The values of `names` for a step of `tenant` run by `agent`.
   * @throws SecretRefusedError when one cannot be given (the step fails, not retried)
   * @throws whatever the store throws (Postgres down: the attempt is run again later)
   */
  async resolve(tenant: string, names: readonly string[], agent: string): Promise<Map<string, string>> {
    const { cipher } = this.options;
    if (names.length === 0) return new Map();
    if (!cipher) throw new SecretRefusedError(`secret ${names[0]} cannot be resolved: secrets are not configured on this worker (set BATON_SECRET_KEY)`);
    const now = (this.options.now ?? Date.now)();
    const ttl = this.options.ttlMs ?? 5_000;
    const found = new Map<string, Cached>();
    const missing: string[] = [];
    for (const name of names) {
      const hit = this.cache.get(cacheKey(tenant, name));
      if (hit && now - hit.at < ttl) found.set(name, hit);
      else missing.push(name);
    }
    for (const row of await this.options.store.get(tenant, missing)) {
      let value: string;
      try {
        value = cipher.open(tenant, row.name, row);
      } catch (err) {
        if (err instanceof SecretDecryptError) throw new SecretRefusedError(err.message);
        throw err;
      }
      const entry = { value, allowedAgents: row.allowedAgents, at: now };
      this.remember(cacheKey(tenant, row.name), entry);
      found.set(row.name, entry);
    }
    const values = new Map<string, string>();
    for (const name of names) {
      const secret = found.get(name);
      if (!secret) throw new SecretRefusedError(`secret ${name} does not exist`);
      if (secret.allowedAgents && !secret.allowedAgents.includes(agent)) {
        throw new SecretRefusedError(`agent ${agent} may not receive secret ${name} (allowedAgents: [${secret.allowedAgents.join(', ')}])`);
      }
      values.set(name, secret.value);
    }
    return values;
  }

  private remember(key: string, entry: Cached): void {
    this.cache.delete(key);
    this.cache.set(key, entry);
    if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
  }
}

const cacheKey = (tenant: string, name: string): string => `${tenant}\u0000${name}`;
