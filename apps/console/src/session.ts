// The API key lives in sessionStorage: it goes when the tab closes, and never into a URL.
const KEY = 'baton.apiKey';
const OPEN = 'baton.open';

/** What the console sends: a key, or nothing when the api runs open. */
export type Session = { kind: 'key'; key: string } | { kind: 'open' };

export function loadSession(): Session | undefined {
  const key = sessionStorage.getItem(KEY);
  if (key) return { kind: 'key', key };
  return sessionStorage.getItem(OPEN) === '1' ? { kind: 'open' } : undefined;
}

export function saveSession(session: Session): void {
  clearSession();
  if (session.kind === 'key') sessionStorage.setItem(KEY, session.key);
  else sessionStorage.setItem(OPEN, '1');
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(OPEN);
}
