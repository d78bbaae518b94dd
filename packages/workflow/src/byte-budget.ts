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

/** UTF-8 size of a string. */
export function utf8Bytes(text: string): number {
  return utf8.encode(text).byteLength;
}

/** UTF-8 size of a value's JSON text; 0 for undefined. */
export function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value) as string | undefined;
  return text === undefined ? 0 : utf8Bytes(text);
}
