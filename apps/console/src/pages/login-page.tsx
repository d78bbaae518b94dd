import { useState, type FormEvent } from 'react';
import { BatonApiError, probe } from '../api';
import type { Session } from '../session';

/** The API key, checked against the api before the console keeps it (in sessionStorage only). */
export function LoginPage({ onLogin }: { onLogin: (session: Session) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const session: Session = { kind: 'key', key: key.trim() };
    setBusy(true);
    setError(undefined);
    try {
      await probe(session);
      onLogin(session);
    } catch (err) {
      setError(err instanceof BatonApiError && err.status === 401 ? `That key was refused: ${err.message}` : String((err as Error).message));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login" id="main">
      <form className="card login-card" onSubmit={submit}>
        <h1>Baton console</h1>
        <p className="muted">Log in with an API key. It is kept in this tab only, and sent in a header with each request.</p>
        <label htmlFor="api-key">API key</label>
        <input id="api-key" type="password" autoComplete="current-password" value={key} onChange={(e) => setKey(e.target.value)} required autoFocus />
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={busy || key.trim() === ''}>{busy ? 'Checking…' : 'Log in'}</button>
      </form>
    </main>
  );
}
