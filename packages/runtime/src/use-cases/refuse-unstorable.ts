import { BatonError } from '@baton/core';
import { unstorableJson, unstorableStrings } from '@baton/workflow';

/**
 * Postgres stores no NUL and no lone UTF-16 surrogate: a request value holding one is refused
 * before anything is stored, naming where (paths under `base`).
 * @param what how the message names the value: `the request`, `the payload`
 * @throws BatonError VALIDATION_FAILED
 */
export function refuseUnstorable(value: unknown, what: string, base = ''): void {
  if (unstorableJson(JSON.stringify(value))) {
    throw new BatonError('VALIDATION_FAILED', `${what} holds text that cannot be stored (\\u0000 or a lone UTF-16 surrogate)`, unstorableStrings(value, base));
  }
}
