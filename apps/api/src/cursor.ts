import { BatonError } from '@baton/core';

/** Keyset position of a page of runs: the last row it showed. */
export interface RunCursor {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** An opaque cursor: base64url of `{ createdAt, id }`. Clients must not build or read it. */
export function encodeCursor(cursor: RunCursor): string {
  return Buffer.from(JSON.stringify({ createdAt: cursor.createdAt.toISOString(), id: cursor.id })).toString('base64url');
}

/** @throws BatonError VALIDATION_FAILED (path `cursor`) for anything {@link encodeCursor} did not make. */
export function decodeCursor(text: string): RunCursor {
  const invalid = () => new BatonError('VALIDATION_FAILED', 'invalid cursor', [{ path: 'cursor', message: 'is not a cursor this api issued' }]);
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(text)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (parsed === null || typeof parsed !== 'object') throw invalid();
  const { createdAt, id } = parsed as { createdAt?: unknown; id?: unknown };
  if (typeof createdAt !== 'string' || !ISO.test(createdAt) || typeof id !== 'string' || !UUID.test(id)) throw invalid();
  const date = new Date(createdAt);
  if (Number.isNaN(date.getTime())) throw invalid();
  return { createdAt: date, id };
}

/** Whether a string is a UUID, the shape of every run id: anything else is a 404 without a query. */
export const isUuid = (value: string): boolean => UUID.test(value);
