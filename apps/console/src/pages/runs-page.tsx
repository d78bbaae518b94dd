import { useState, type FormEvent } from 'react';
import { RUN_STATUSES, type RunStatus } from '../api';
import { elapsed, formatDuration, formatTime, shortId } from '../format';
import { Link, navigate, useLocation } from '../router';
import { StatusBadge } from '../status';
import { useLoad } from '../use-api';
import { BulkActions } from './bulk-actions';
import { NewRunForm } from './new-run-form';

const PAGE_SIZE = 25;

/** Runs newest first, filtered by status and template (kept in the URL with the page size, `limit`), a page at a time, refreshed every 2 s. */
export function RunsPage() {
  const { query } = useLocation();
  const status = query.get('status') ?? '';
  const template = query.get('template') ?? '';
  const limit = Number(query.get('limit')) || PAGE_SIZE;
  const [cursors, setCursors] = useState<string[]>([]);
  const [creating, setCreating] = useState(false);
  const cursor = cursors.at(-1);
  const runs = useLoad((api) => api.listRuns({ status: (status || undefined) as RunStatus | undefined, template: template || undefined, cursor, limit }), [status, template, cursor, limit], 2000);

  const setFilter = (next: { status?: string; template?: string }) => {
    const q = new URLSearchParams();
    const s = next.status ?? status;
    const t = next.template ?? template;
    if (s) q.set('status', s);
    if (t) q.set('template', t);
    if (query.get('limit')) q.set('limit', String(limit));
    setCursors([]);
    navigate(`/${q.toString() ? `?${q}` : ''}`, { replace: true });
  };
  const [templateText, setTemplateText] = useState(template);
  const applyTemplate = (event: FormEvent) => {
    event.preventDefault();
    setFilter({ template: templateText.trim() });
  };

  return (
    <section>
      <div className="page-head">
        <h1>Runs</h1>
        <button type="button" className="primary" onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
          {creating ? 'Close' : 'New run'}
        </button>
      </div>
      {creating && <NewRunForm />}
      <div className="filters">
        <label>
          Status
          <select value={status} onChange={(e) => setFilter({ status: e.target.value })} aria-label="Filter by status">
            <option value="">any</option>
            {RUN_STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <form onSubmit={applyTemplate} className="inline-form">
          <label>
            Workflow or template
            <input value={templateText} onChange={(e) => setTemplateText(e.target.value)} placeholder="name" aria-label="Filter by workflow or template" />
          </label>
          <button type="submit">Filter</button>
          {template && <button type="button" className="link-button" onClick={() => { setTemplateText(''); setFilter({ template: '' }); }}>Clear</button>}
        </form>
        <span className="live muted" aria-live="off">{runs.loading ? 'updating…' : 'live'}</span>
      </div>
      <BulkActions status={status} name={template} nameIsTemplate={!runs.data || runs.data.items.length === 0 || runs.data.items.some((r) => r.template === template)} />
      {runs.error && <p className="error" role="alert">{runs.error.message}</p>}
      <table className="table">
        <thead>
          <tr><th>Run</th><th>Status</th><th>Workflow</th><th>Created</th><th>Duration</th></tr>
        </thead>
        <tbody>
          {runs.data?.items.map((run) => (
            <tr key={run.id}>
              <td><Link to={`/runs/${run.id}`} className="mono">{shortId(run.id)}</Link></td>
              <td><StatusBadge status={run.status} /></td>
              <td>{run.template ? <>{run.template} <span className="muted">v{run.version}</span></> : run.workflow}</td>
              <td>{formatTime(run.createdAt)}</td>
              <td>{formatDuration(elapsed(run.startedAt, run.finishedAt))}</td>
            </tr>
          ))}
          {runs.data && runs.data.items.length === 0 && <tr><td colSpan={5} className="muted">No runs{status || template ? ' match these filters' : ' yet'}.</td></tr>}
        </tbody>
      </table>
      <div className="pager">
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors([])}>First page</button>
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>Previous</button>
        <span className="muted">page {cursors.length + 1}</span>
        <button type="button" disabled={!runs.data?.nextCursor} onClick={() => runs.data?.nextCursor && setCursors((c) => [...c, runs.data!.nextCursor!])}>Next</button>
      </div>
    </section>
  );
}
