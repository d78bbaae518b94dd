import { useEffect, useId, useState } from 'react';
import { BULK_ACTIONS, type BulkAction, type BulkFilter, type BulkOperation, type RunStatus } from '../api';
import { OperatorButton } from '../operator-button';
import { useAction } from '../use-action';
import { useApi } from '../use-api';
import { Problems } from './problems';

/** The statuses each action takes (API.md, POST /v1/bulk-operations): what a filter without a status means. */
const TAKES: Record<BulkAction, string> = {
  cancel: 'queued, running or paused', retry: 'failed', pause: 'queued or running', resume: 'paused',
};
const POLL_MS = 1000;

/**
 * Cancel, retry, pause or resume every run the runs page's filter matches, after a confirmation
 * that says what the filter is, then its progress (`GET /v1/bulk-operations/:id`) until done.
 * The page's name filter matches a template or a workflow name; the api's filter takes one of them,
 * so the confirmation asks which (guessing from the listed runs).
 */
export function BulkActions({ status, name, nameIsTemplate }: { status: string; name: string; nameIsTemplate: boolean }) {
  const api = useApi();
  const ids = useId();
  const start = useAction();
  const [action, setAction] = useState<BulkAction>('cancel');
  const [confirming, setConfirming] = useState(false);
  const [nameKind, setNameKind] = useState<'template' | 'workflow'>(nameIsTemplate ? 'template' : 'workflow');
  const [operation, setOperation] = useState<string>();

  // A new filter is a new question.
  useEffect(() => setConfirming(false), [status, name]);
  useEffect(() => setNameKind(nameIsTemplate ? 'template' : 'workflow'), [name, nameIsTemplate]);

  const filter: BulkFilter = { ...(status ? { status: [status as RunStatus] } : {}), ...(name ? { [nameKind]: name } : {}) };
  const confirm = async () => {
    const answer = await start.run(() => api.startBulkOperation({ action, filter }));
    if (answer) {
      setOperation(answer.id);
      setConfirming(false);
    }
  };

  return (
    <div className="bulk" role="group" aria-label="Bulk actions">
      <label htmlFor={`${ids}-action`}>For every run of this filter</label>
      <select id={`${ids}-action`} value={action} onChange={(e) => { setAction(e.target.value as BulkAction); setConfirming(false); }} aria-label="Bulk action">
        {BULK_ACTIONS.map((a) => <option key={a} value={a}>{a}</option>)}
      </select>
      <OperatorButton needs="run.retry" onClick={() => setConfirming(true)} disabled={confirming || start.busy}>Apply…</OperatorButton>
      {confirming && (
        <div className="card stack confirm" role="group" aria-label="Confirm the bulk action">
          <p>
            <strong>{capitalise(action)}</strong> every run {status ? <>with status <code>{status}</code></> : <>the action applies to ({TAKES[action]})</>}
            {name ? <> of the {nameKind} <code>{name}</code></> : <> of every workflow and template</>}, created before now?
          </p>
          {name && (
            <label>
              <code>{name}</code> is a{' '}
              <select value={nameKind} onChange={(e) => setNameKind(e.target.value as 'template' | 'workflow')} aria-label="The name filter is">
                <option value="template">template</option>
                <option value="workflow">workflow name</option>
              </select>
            </label>
          )}
          {status && !TAKES[action].includes(status) && <p className="warn">The {action} action takes only {TAKES[action]} runs: this filter matches none.</p>}
          <p className="muted small">Runs submitted after this do not count. It goes on in the background; this page shows how far it got.</p>
          <div className="actions">
            <button type="button" className="danger" onClick={confirm} disabled={start.busy}>{start.busy ? 'Starting…' : `Yes, ${action} them`}</button>
            <button type="button" onClick={() => setConfirming(false)}>Back</button>
          </div>
        </div>
      )}
      {start.error && <Problems error={start.error} />}
      {operation && <BulkProgress key={operation} id={operation} />}
    </div>
  );
}

/** An operation's counts, read every second until it has taken every run it matched. */
function BulkProgress({ id }: { id: string }) {
  const api = useApi();
  const [operation, setOperation] = useState<BulkOperation>();
  const [error, setError] = useState<Error>();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let live = true;
    const poll = async () => {
      try {
        const next = await api.getBulkOperation(id);
        if (!live) return;
        setOperation(next);
        setError(undefined);
        if (next.status === 'succeeded') return;
      } catch (err) {
        if (!live) return;
        setError(err as Error);
      }
      timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, id]);

  if (!operation) return error ? <Problems error={error} /> : <p className="muted">Starting…</p>;
  const taken = operation.done + operation.failed;
  const finished = operation.status === 'succeeded';
  return (
    <div className="progress" role="status" data-testid="bulk-progress" data-status={operation.status}>
      <progress max={Math.max(operation.matched, 1)} value={finished && operation.matched === 0 ? 1 : taken} aria-label={`Bulk ${operation.action}`} />
      <span>
        {capitalise(operation.action)}: {taken} of {operation.matched} run{operation.matched === 1 ? '' : 's'}
        {operation.failed > 0 && <> ({operation.failed} no longer fitted)</>}
        {finished ? ' — done' : '…'}
      </span>
      {error && <span className="error">{error.message}</span>}
    </div>
  );
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
