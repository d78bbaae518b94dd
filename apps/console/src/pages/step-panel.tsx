import type { Run, RunEvent, Step } from '../api';
import { elapsed, formatDuration, formatTime, json } from '../format';
import { Link } from '../router';
import { StatusBadge } from '../status';
import { useLoad } from '../use-api';
import { FromThisStep } from './from-this-step';

/** One entry of the run: what it was given, what it gave or why it failed, its attempts and events. */
export function StepPanel({ run, entry, events, onClose, onRerun, onForked }: {
  run: Run; entry: Step; events: RunEvent[]; onClose: () => void; onRerun: () => void; onForked: (id: string) => void;
}) {
  const runId = run.id;
  // The input is read alone (GET /v1/runs/:id/steps/:key), again when the entry changes status.
  const detail = useLoad((api) => api.getStep(runId, entry.key), [runId, entry.key, entry.status, entry.attempts]);
  return (
    <div className="stack">
      <div className="panel-head">
        <h2 className="mono">{entry.key}</h2>
        <button type="button" className="link-button" onClick={onClose}>Close</button>
      </div>
      <dl className="facts compact">
        <div><dt>Status</dt><dd><StatusBadge status={entry.status} /></dd></div>
        <div><dt>Agent</dt><dd>{entry.agent ?? '—'}</dd></div>
        <div><dt>Attempts</dt><dd>{entry.attempts}</dd></div>
        <div><dt>Duration</dt><dd>{formatDuration(elapsed(entry.startedAt, entry.finishedAt))}</dd></div>
      </dl>
      {entry.childRunId && <p>Child run: <Link to={`/runs/${entry.childRunId}`} className="mono">{entry.childRunId}</Link></p>}
      {entry.waitingFor && <p className="warn">Waiting: {entry.waitingFor.reason}</p>}
      {entry.waitingForSignal && <p className="warn">Waiting for the signal <code>{entry.waitingForSignal.signal}</code></p>}
      {entry.reason && <p className="muted">Reason: {entry.reason}</p>}
      {entry.error !== undefined && <><h3>Error</h3><pre className="code error-block" data-testid="step-error">{json(entry.error)}</pre></>}
      <h3>Input</h3>
      {detail.error ? <p className="error">{detail.error.message}</p>
        : detail.data ? <pre className="code">{detail.data.input === undefined ? '(not evaluated yet)' : json(detail.data.input)}</pre>
          : <p className="muted">Loading…</p>}
      {entry.output !== undefined && <><h3>Output</h3><pre className="code" data-testid="step-output">{json(entry.output)}</pre></>}
      {detail.data && <FromThisStep key={`${runId}/${entry.key}`} run={run} entry={entry} input={detail.data.input} onRerun={onRerun} onForked={onForked} />}
      {entry.attemptLog && entry.attemptLog.length > 0 && (
        <>
          <h3>Attempts</h3>
          <table className="table compact">
            <thead><tr><th>#</th><th>Started</th><th>Took</th><th>Error</th></tr></thead>
            <tbody>
              {entry.attemptLog.map((a) => (
                <tr key={a.attempt}>
                  <td>{a.attempt}</td>
                  <td>{formatTime(a.startedAt)}</td>
                  <td>{formatDuration(elapsed(a.startedAt, a.finishedAt))}</td>
                  <td>{a.error === undefined ? '—' : <code>{(a.error as { message?: string }).message ?? json(a.error)}</code>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h3>Events</h3>
      <ol className="events">
        {events.map((e) => (
          <li key={e.seq}>
            <span className="mono muted">#{e.seq}</span> <strong>{e.type}</strong> <span className="muted">{formatTime(e.at)}</span>
            {e.data && Object.keys(e.data).length > 0 && <pre className="code small">{json(e.data)}</pre>}
          </li>
        ))}
        {events.length === 0 && <li className="muted">No events yet.</li>}
      </ol>
    </div>
  );
}
