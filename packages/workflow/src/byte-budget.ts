import { LimitExceededError } from './expression-error';

/** The configuration variable behind a run's byte budget, named in its errors. */
export const RUN_BYTES_LIMIT = 'BATON_MAX_RUN_BYTES';

/**
 * The bytes a run may still create, shared by every evaluation of one engine decision: what one
 * expression builds is charged as it is built, so that sixty steps of 50 MB each fail at the second
 * rather than after all sixty were built. Spent (even by a value that was then refused), it stays
 * spent for the rest of the decision.
 */
export class ByteBudget {
  constructor(
    /** Most bytes the run may hold (`BATON_MAX_RUN_BYTES`). */
    readonly limit: number,
    /** Bytes held or charged so far. */
    public used = 0,
  ) {}

  get exhausted(): boolean {
    return this.used > this.limit;
  }

  /** @throws LimitExceededError naming `field` when the budget is spent. */
  check(field: string): void {
    if (this.exhausted) throw new LimitExceededError(field, `the run would hold more than ${this.limit} bytes`, RUN_BYTES_LIMIT);
  }

  /** Adds `bytes`. @throws LimitExceededError naming `field` when that spends the budget. */
  charge(bytes: number, field: string): void {
    this.used += bytes;
    this.check(field);
  }
}

const utf8 = new TextEncoder();

/** UTF-8 size of a string: counted for a short one (most outputs), encoded for a long one (faster then). */
export function utf8Bytes(text: string): number {
  if (text.length > 4096) return utf8.encode(text).byteLength;
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x7f) continue;
    // 2 bytes up to U+07FF, else 3; a surrogate pair (2 units) is 4 bytes, a lone surrogate 3 (encoded as U+FFFD).
    bytes += c <= 0x7ff ? 1 : 2;
    if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) i++;
  }
  return bytes;
}

const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/** UTF-8 size of a value's JSON text; 0 for undefined. */
export function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value) as string | undefined;
  return text === undefined ? 0 : utf8Bytes(text);
}
