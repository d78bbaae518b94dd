import { useEffect, useMemo, useState } from 'react';
import { Api, probe } from './api';
import { AgentsPage } from './pages/agents-page';
import { LoginPage } from './pages/login-page';
import { RunPage } from './pages/run-page';
import { RunsPage } from './pages/runs-page';
import { TemplatePage } from './pages/template-page';
import { TemplatesPage } from './pages/templates-page';
import { Link, useLocation } from './router';
import { clearSession, loadSession, saveSession, type Session } from './session';
import { ApiContext } from './use-api';

function Page({ path }: { path: string }) {
  let m: RegExpExecArray | null;
  if (path === '/' || path === '/runs') return <RunsPage />;
  if ((m = /^\/runs\/([^/]+)$/.exec(path))) return <RunPage id={decodeURIComponent(m[1]!)} />;
  if (path === '/templates') return <TemplatesPage />;
  if ((m = /^\/templates\/([^/]+)$/.exec(path))) return <TemplatePage name={decodeURIComponent(m[1]!)} />;
  if (path === '/agents') return <AgentsPage />;
  return (
    <section>
      <h1>Not found</h1>
      <p>No page at {path}. <Link to="/">Back to the runs</Link>.</p>
    </section>
  );
}

const NAV = [
  { to: '/', label: 'Runs', active: (p: string) => p === '/' || p.startsWith('/runs') },
  { to: '/templates', label: 'Templates', active: (p: string) => p.startsWith('/templates') },
  { to: '/agents', label: 'Agents', active: (p: string) => p.startsWith('/agents') },
];

export function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const [checking, setChecking] = useState(!session);
  const { path } = useLocation();

  // Without a stored key, an api that runs open lets the console in as it is.
  useEffect(() => {
    if (session) return;
    probe({ kind: 'open' }).then(
      () => {
        saveSession({ kind: 'open' });
        setSession({ kind: 'open' });
      },
      () => setChecking(false),
    );
  }, [session]);

  const logOut = () => {
    clearSession();
    setChecking(false);
    setSession(undefined);
  };
  const api = useMemo(() => session && new Api(session, logOut), [session]);

  if (!session || !api) {
    if (checking) return <p className="muted center">Connecting…</p>;
    return <LoginPage onLogin={(s) => { saveSession(s); setSession(s); }} />;
  }
  return (
    <ApiContext.Provider value={api}>
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <Link to="/" className="brand">Baton<span> console</span></Link>
        <nav aria-label="Main">
          {NAV.map((n) => (
            <Link key={n.to} to={n.to} className={n.active(path) ? 'active' : undefined} aria-current={n.active(path) ? 'page' : undefined}>{n.label}</Link>
          ))}
          <a href="/admin/queues" target="_blank" rel="noreferrer">Queues ↗</a>
        </nav>
        <div className="session">
          <span className="muted">{session.kind === 'key' ? 'API key' : 'open api'}</span>
          {session.kind === 'key' && <button type="button" className="link-button" onClick={logOut}>Log out</button>}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} />
      </main>
    </ApiContext.Provider>
  );
}
