import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** One AES-256 key with the id stored beside what it encrypted. */
export interface SecretKey {
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

/** A value encrypted with AES-256-GCM. */
export interface Sealed {
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
  keyId: string;
}

/** Why a stored secret cannot be read: its key is not configured, or it does not authenticate. */
export class SecretDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptError';
  }
}

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;

/**
 * Encrypts secrets with the current key (`BATON_SECRET_KEY`, id `BATON_SECRET_KEY_ID`) and
 * decrypts with whichever configured key encrypted them (the current one or `BATON_SECRET_OLD_KEYS`),
 * so keys rotate without re-encrypting everything at once. Each value gets a random 12-byte IV;
 * the tenant and name are authenticated as additional data, so a ciphertext moved to another row
 * does not decrypt.
 */
export class SecretCipher {
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(private readonly current: SecretKey, old: readonly SecretKey[] = []) {
    for (const k of [current, ...old]) if (k.key.length !== 32) throw new Error(`secret key ${k.id} must be 32 bytes`);
    this.keys = new Map([...old.map((k): [string, Buffer] => [k.id, k.key]), [current.id, current.key]]);
  }

  /** The id of the key new values are encrypted with. */
  get keyId(): string {
    return this.current.id;
  }

  seal(tenant: string, name: string, value: string): Sealed {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.current.key, iv);
    cipher.setAAD(additionalData(tenant, name));
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return { ciphertext, iv, tag: cipher.getAuthTag(), keyId: this.current.id };
  }

  /** @throws SecretDecryptError naming the secret (never a value) */
  open(tenant: string, name: string, sealed: Sealed): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new SecretDecryptError(`secret ${name} was encrypted with key "${sealed.keyId}", which is not configured (BATON_SECRET_KEY_ID, BATON_SECRET_OLD_KEYS)`);
    try {
      const decipher = createDecipheriv(ALGORITHM, key, sealed.iv);
      decipher.setAAD(additionalData(tenant, name));
      decipher.setAuthTag(sealed.tag);
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptError(`secret ${name} does not decrypt with key "${sealed.keyId}" (a different key under the same id, or altered data)`);
    }
  }
}

const additionalData = (tenant: string, name: string): Buffer => Buffer.from(`${tenant}\u0000${name}`, 'utf8');
