import { z } from 'zod';
import { emptyAsUnset } from './env-var';

/** One AES-256 key for secrets, with its id. */
export interface SecretKeyConfig {
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

/** The keys secrets are encrypted with (`BATON_SECRET_KEY`) and may have been (`BATON_SECRET_OLD_KEYS`). */
export interface SecretKeysConfig {
  current: SecretKeyConfig;
  old: SecretKeyConfig[];
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const KEY_ID_RULE = '1-64 letters, digits, ".", "_" or "-"';
const KEY_RULE = 'must be 32 bytes, as 64 hex digits or base64 (openssl rand -base64 32)';

/** 64 hex digits or base64 of exactly 32 bytes; undefined otherwise. */
export function decodeSecretKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (!/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(trimmed)) return undefined;
  const key = Buffer.from(trimmed, 'base64');
  return key.length === 32 ? key : undefined;
}

const key = z.string().transform((text, ctx) => {
  const decoded = decodeSecretKey(text);
  if (decoded) return decoded;
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: KEY_RULE });
  return z.NEVER;
});

// `id:key,id:key`: the keys that encrypted stored secrets before a rotation.
const oldKeys = z.string().transform((text, ctx) => {
  const keys: SecretKeyConfig[] = [];
  for (const [i, item] of text.split(',').map((s) => s.trim()).filter(Boolean).entries()) {
    const colon = item.indexOf(':');
    const id = colon === -1 ? '' : item.slice(0, colon);
    const decoded = colon === -1 ? undefined : decodeSecretKey(item.slice(colon + 1));
    if (!KEY_ID.test(id) || !decoded) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `item ${i + 1} must be <id>:<key>, the id ${KEY_ID_RULE}, the key 32 bytes as hex or base64` });
      return z.NEVER;
    }
    keys.push({ id, key: decoded });
  }
  return keys;
});

/** The variables of secrets' encryption, for the shared schema. */
export const secretKeyVars = {
  BATON_SECRET_KEY: z.preprocess(emptyAsUnset, key.optional()),
  BATON_SECRET_KEY_ID: z.preprocess(emptyAsUnset, z.string().regex(KEY_ID, `must be ${KEY_ID_RULE}`).default('k1')),
  BATON_SECRET_OLD_KEYS: z.preprocess(emptyAsUnset, oldKeys.optional()),
};

/** They hold keys: an error names them but never shows their values. */
export const SECRET_KEY_VARS: readonly string[] = ['BATON_SECRET_KEY', 'BATON_SECRET_OLD_KEYS'];

/** The keys, or undefined when `BATON_SECRET_KEY` is unset (secrets are then refused, with a message naming it). */
export function secretKeysOf(env: { BATON_SECRET_KEY?: Buffer; BATON_SECRET_KEY_ID: string; BATON_SECRET_OLD_KEYS?: SecretKeyConfig[] }): SecretKeysConfig | undefined {
  if (!env.BATON_SECRET_KEY) return undefined;
  const current = { id: env.BATON_SECRET_KEY_ID, key: env.BATON_SECRET_KEY };
  // An old key under the current id would shadow it.
  return { current, old: (env.BATON_SECRET_OLD_KEYS ?? []).filter((k) => k.id !== current.id) };
}
