import { BatonError } from '@baton/core';

/** Keyset position of a page of runs: the last row it showed. */
export interface RunCursor {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** An opaque cursor: base64url of `{ createdAt, id }`. Clients must not build or read it. */
export function encodeCursor(cursor: RunCursor): string {
  return Buffer.from(JSON.stringify({ createdAt: cursor.createdAt.toISOString(), id: cursor.id })).toString('base64url');
}

/** The earliest position a cursor may hold: no run is older than this. */
const EPOCH = Date.UTC(2000, 0, 1);

/**
 * How far past this api's clock a cursor may point: another api instance's clock may run ahead a
 * little. A cursor further in the future was not issued by an api.
 */
export const CURSOR_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Reads a cursor, checking every field as strictly as {@link encodeCursor} writes it, so that a
 * hand-made one never reaches Postgres with a date it cannot store (year 0) or one no run has.
 * @param now the api's clock: a cursor may not point past it (beyond {@link CURSOR_CLOCK_SKEW_MS}).
 * @throws BatonError VALIDATION_FAILED (path `cursor`) for anything {@link encodeCursor} did not make.
 */
export function decodeCursor(text: string, now: Date = new Date()): RunCursor {
  const invalid = (why = 'is not a cursor this api issued') => new BatonError('VALIDATION_FAILED', 'invalid cursor', [{ path: 'cursor', message: why }]);
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(text)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid();
  const { createdAt, id, ...rest } = parsed as { createdAt?: unknown; id?: unknown };
  if (Object.keys(rest).length > 0) throw invalid();
  if (typeof createdAt !== 'string' || !ISO.test(createdAt) || typeof id !== 'string' || !UUID.test(id)) throw invalid();
  const date = new Date(createdAt);
  // Only the canonical form encodeCursor writes: no rolled-over dates (Feb 30) or other spellings.
  if (Number.isNaN(date.getTime()) || date.toISOString() !== createdAt) throw invalid();
  if (date.getTime() < EPOCH || date.getTime() > now.getTime() + CURSOR_CLOCK_SKEW_MS) {
    throw invalid('points at a time no run was created at');
  }
  return { createdAt: date, id };
}

/** Whether a string is a UUID, the shape of every run id: anything else is a 404 without a query. */
export const isUuid = (value: string): boolean => UUID.test(value);
