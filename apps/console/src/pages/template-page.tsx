import { useState, type FormEvent } from 'react';
import { formatTime, json } from '../format';
import { OperatorButton } from '../operator-button';
import { StatusBadge } from '../status';
import { useAction } from '../use-action';
import { Link, navigate } from '../router';
import { initialInput, SchemaForm } from '../schema-form';
import { useApi, useLoad } from '../use-api';
import { Problems } from './problems';

/** A template: any version's definition, a diff between two versions, and a form to start a run. */
export function TemplatePage({ name }: { name: string }) {
  const latest = useLoad((api) => api.getTemplate(name), [name]);
  const [version, setVersion] = useState<number>();
  const shown = version ?? latest.data?.version;
  const current = useLoad((api) => (shown === undefined ? Promise.resolve(undefined) : api.getTemplate(name, shown)), [name, shown]);

  if (latest.error) return <section><h1>{name}</h1><Problems error={latest.error} /></section>;
  if (!latest.data || shown === undefined) return <p className="muted">Loading…</p>;
  const versions = Array.from({ length: latest.data.version }, (_, i) => latest.data!.version - i);

  return (
    <section>
      <p className="crumbs"><Link to="/templates">Templates</Link> /</p>
      <div className="page-head">
        <h1>{name}</h1>
        <label>
          Version{' '}
          <select value={shown} onChange={(e) => setVersion(Number(e.target.value))}>
            {versions.map((v) => <option key={v} value={v}>v{v}{v === latest.data!.version ? ' (latest)' : ''}</option>)}
          </select>
        </label>
      </div>
      <TemplatePause name={name} paused={latest.data.paused} onChange={latest.reload} />
      {current.data?.description && <p className="muted">{current.data.description}</p>}
      <div className="two-columns">
        <div className="card stack">
          <h2>Start a run of v{shown}</h2>
          {current.data && <StartRun key={`${name}@${shown}`} name={name} version={shown} schema={(current.data.definition as { input?: unknown }).input} />}
        </div>
        <div className="card stack">
          <h2>Definition v{shown}</h2>
          {current.data && <p className="muted">Stored {new Date(current.data.createdAt).toLocaleString()}{current.data.createdBy ? ` by ${current.data.createdBy}` : ''}</p>}
          <pre className="code tall">{current.data ? json(current.data.definition) : '…'}</pre>
        </div>
      </div>
      {latest.data.version > 1 && <VersionDiff name={name} latest={latest.data.version} />}
    </section>
  );
}

/** Whether new runs of the template start, and the button that pauses or resumes it. */
function TemplatePause({ name, paused, onChange }: { name: string; paused?: { by: string; at: string }; onChange: () => void }) {
  const api = useApi();
  const action = useAction();
  const [resumed, setResumed] = useState<number>();
  const toggle = async () => {
    setResumed(undefined);
    if (paused) {
      const answer = await action.run(() => api.resumeTemplate(name));
      if (answer) setResumed(answer.resumedRuns);
    } else {
      await action.run(() => api.pauseTemplate(name));
    }
    onChange();
  };
  return (
    <div className="template-pause">
      <StatusBadge status={paused ? 'paused' : 'active'} />
      {paused
        ? <span data-testid="template-paused">New runs are admitted paused. Paused by <strong>{paused.by}</strong> since {formatTime(paused.at)}.</span>
        : <span className="muted">New runs start at once.</span>}
      <OperatorButton needs="template.write" className={paused ? 'primary' : undefined} disabled={action.busy} onClick={toggle}>
        {paused ? 'Resume template' : 'Pause template'}
      </OperatorButton>
      {resumed !== undefined && <span className="muted" role="status">Resumed: {resumed} run{resumed === 1 ? '' : 's'} its pause held started again.</span>}
      {action.error && <Problems error={action.error} />}
    </div>
  );
}

function StartRun({ name, version, schema }: { name: string; version: number; schema: unknown }) {
  const api = useApi();
  const [input, setInput] = useState<unknown>(() => initialInput(schema));
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (input instanceof Error) return setError(input);
    setBusy(true);
    setError(undefined);
    try {
      const run = await api.submitRun({ template: name, version, input });
      navigate(`/runs/${run.id}`);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="stack" onSubmit={submit} aria-label="Start a run">
      {schema === undefined && <p className="muted">This version declares no input schema: any JSON is accepted.</p>}
      <SchemaForm schema={schema} onChange={setInput} />
      {error && <Problems error={error} />}
      <div><button type="submit" className="primary" disabled={busy}>{busy ? 'Starting…' : 'Start run'}</button></div>
    </form>
  );
}

function VersionDiff({ name, latest }: { name: string; latest: number }) {
  const [from, setFrom] = useState(latest - 1);
  const [to, setTo] = useState(latest);
  const diff = useLoad((api) => api.diffTemplate(name, from, to), [name, from, to]);
  const versions = Array.from({ length: latest }, (_, i) => i + 1);
  const pick = (value: number, set: (v: number) => void) => (
    <select value={value} onChange={(e) => set(Number(e.target.value))}>{versions.map((v) => <option key={v} value={v}>v{v}</option>)}</select>
  );
  return (
    <div className="card stack diff">
      <h2>Changes from <label className="sr-only" htmlFor="diff-from">from</label>{pick(from, setFrom)} to {pick(to, setTo)}</h2>
      {diff.error && <Problems error={diff.error} />}
      {diff.data && diff.data.changes.length === 0 && <p className="muted">No change.</p>}
      <ul className="changes">
        {diff.data?.changes.map((c, i) => (
          <li key={i} className={`change change-${c.op}`}>
            <span className="change-op">{c.op === 'added' ? '+ added' : c.op === 'removed' ? '− removed' : '~ changed'}</span>
            <code>{c.path || '(root)'}</code>
            {c.op === 'changed'
              ? <span><code className="old">{JSON.stringify(c.from)}</code> → <code className="new">{JSON.stringify(c.to)}</code></span>
              : <code>{JSON.stringify(c.value)}</code>}
          </li>
        ))}
      </ul>
    </div>
  );
}
