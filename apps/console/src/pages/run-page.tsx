import { useEffect, useMemo, useRef, useState } from 'react';
import type { Run, RunDefinition, RunEvent } from '../api';
import { elapsed, formatDuration, formatTime, json, shortId } from '../format';
import { OperatorButton } from '../operator-button';
import { Link, navigate } from '../router';
import { preloadLayout } from '../graph-layout';
import { RunGraph } from '../run-graph';
import { runGraph } from '../run-graph-model';
import { StatusBadge, statusIcon } from '../status';
import { useAction } from '../use-action';
import { useApi } from '../use-api';
import { Problems } from './problems';
import { StepPanel } from './step-panel';

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);
const PAUSABLE = new Set(['queued', 'running']);

/** Who paused a run: a principal's subject, or its template (`template:<name>`), linked. */
function PausedBy({ by }: { by: string }) {
  const template = /^template:(.+)$/.exec(by)?.[1];
  return template ? <>its template <Link to={`/templates/${encodeURIComponent(template)}`}>{template}</Link></> : <strong>{by}</strong>;
}

/**
 * One run, kept current by its event stream (@baton/client's, which resumes a broken stream from
 * its last event): each burst of events reloads the run, so what the page shows is always
 * `GET /v1/runs/:id`, never a guess built from events.
 */
function useLiveRun(id: string) {
  const api = useApi();
  const [run, setRun] = useState<Run>();
  const [definition, setDefinition] = useState<RunDefinition>();
  const [events, setEvents] = useState<RunEvent[]>([]);
  const [error, setError] = useState<Error>();
  const [live, setLive] = useState(false);
  const [reloads, setReloads] = useState(0);
  // A re-run makes a finished run live again: its stream, which ended, is read again from the start.
  const [stream, setStream] = useState(0);

  useEffect(() => {
    preloadLayout();
    setRun(undefined);
    setError(undefined);
    api.getRunDefinition(id).then(setDefinition, setError);
  }, [api, id]);

  useEffect(() => {
    let stale = false;
    api.getRun(id).then((r) => !stale && setRun(r), (err: Error) => !stale && setError(err));
    return () => void (stale = true);
  }, [api, id, reloads]);

  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A burst of events is one reload, at most 150 ms after its first event.
    const reload = () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        setReloads((n) => n + 1);
      }, 150);
    };
    setEvents([]);
    (async () => {
      setLive(true);
      try {
        for await (const event of api.events(id, abort.signal)) {
          setEvents((list) => [...list, event]);
          reload();
        }
      } catch (err) {
        if (!abort.signal.aborted) setError(err as Error);
      }
      setLive(false);
      reload();
    })();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [api, id, stream]);

  return { run, definition, events, error, live, reload: () => setReloads((n) => n + 1), restart: () => setStream((n) => n + 1) };
}

export function RunPage({ id }: { id: string }) {
  const api = useApi();
  const { run, definition, events, error, live, reload, restart } = useLiveRun(id);
  const [selected, setSelected] = useState<string>();
  const action = useAction();
  const graph = useMemo(() => runGraph(definition?.definition, run?.steps ?? []), [definition, run]);
  const panel = useRef<HTMLDivElement>(null);

  if (error) return <section><h1>Run</h1><Problems error={error} /><p><Link to="/">Back to the runs</Link></p></section>;
  if (!run) return <p className="muted">Loading the run…</p>;

  const act = async (name: 'cancel' | 'retry' | 'pause' | 'resume') => {
    const calls: Record<typeof name, () => Promise<unknown>> = {
      cancel: () => api.cancelRun(id), retry: () => api.retryRun(id), pause: () => api.pauseRun(id), resume: () => api.resumeRun(id),
    };
    if ((await action.run(calls[name])) !== undefined) reload();
  };
  const pausedSince = run.status === 'paused' ? [...events].reverse().find((e) => e.type === 'run.paused')?.at : undefined;
  const busy = action.busy;
  const entry = run.steps.find((s) => s.key === selected);
  const select = (key: string) => {
    setSelected(key);
    // The panel is where the answer is: a keyboard user goes there next.
    requestAnimationFrame(() => panel.current?.focus());
  };

  return (
    <section>
      <div className="page-head">
        <div>
          <p className="crumbs"><Link to="/">Runs</Link> / <span className="mono">{run.id}</span></p>
          <h1>{run.template ?? run.workflow}</h1>
        </div>
        <div className="actions">
          {PAUSABLE.has(run.status) && <OperatorButton needs="run.retry" disabled={busy} onClick={() => act('pause')}>Pause run</OperatorButton>}
          {run.status === 'paused' && <OperatorButton needs="run.retry" className="primary" disabled={busy} onClick={() => act('resume')}>Resume run</OperatorButton>}
          {!FINAL.has(run.status) && <button type="button" className="danger" disabled={busy} onClick={() => act('cancel')}>Cancel run</button>}
          {run.status === 'failed' && <OperatorButton needs="run.retry" className="primary" disabled={busy} onClick={() => act('retry')}>Retry failed steps</OperatorButton>}
        </div>
      </div>
      {action.error && <Problems error={action.error} />}
      {run.status === 'paused' && (
        <p className="notice" role="status" data-testid="paused-notice">
          <span aria-hidden="true">{statusIcon('paused')}</span> Paused{run.pausedBy && <> by <PausedBy by={run.pausedBy} /></>}{pausedSince && <> since {formatTime(pausedSince)}</>}.
          {' '}It starts no new step until it is resumed; steps already running finish.
        </p>
      )}
      <dl className="facts">
        <div><dt>Status</dt><dd><StatusBadge status={run.status} /></dd></div>
        <div><dt>Workflow</dt><dd>{run.template ? <><Link to={`/templates/${encodeURIComponent(run.template)}`}>{run.template}</Link> v{run.version}</> : run.workflow}</dd></div>
        <div><dt>Created</dt><dd>{formatTime(run.createdAt)}</dd></div>
        <div><dt>Duration</dt><dd>{formatDuration(elapsed(run.startedAt, run.finishedAt))}</dd></div>
        <div><dt>Updates</dt><dd>{live ? <span className="live-dot">live</span> : 'finished'}</dd></div>
        {run.forkedFrom && (
          <div><dt>Forked from</dt><dd><Link to={`/runs/${run.forkedFrom.id}`} className="mono">{shortId(run.forkedFrom.id)}</Link> at <code>{run.forkedFrom.step}</code></dd></div>
        )}
        {run.parentRunId && <div><dt>Parent run</dt><dd><Link to={`/runs/${run.parentRunId}`} className="mono">{run.parentRunId.slice(0, 8)}</Link> ({run.parentStepKey})</dd></div>}
      </dl>
      {run.error !== undefined && <pre className="code error-block" aria-label="Run error">{json(run.error)}</pre>}
      <div className="run-body">
        <div className="run-graph card">
          <RunGraph nodes={graph.nodes} edges={graph.edges} selected={selected} onSelect={select} />
          <p className="legend muted">Select a step (click, or Tab to it and press Enter) to see its input, output, error and events. Arrow keys move between steps.</p>
        </div>
        <div className="side card" ref={panel} tabIndex={-1} aria-label="Selected step">
          {selected && entry
            ? (
              <StepPanel run={run} entry={entry} events={events.filter((e) => e.key === selected)} onClose={() => setSelected(undefined)}
                onRerun={() => { reload(); restart(); }} onForked={(fork) => navigate(`/runs/${fork}`)} />
            )
            : <RunIo run={run} />}
        </div>
      </div>
    </section>
  );
}

function RunIo({ run }: { run: Run }) {
  return (
    <div className="stack">
      <h2>Run</h2>
      <h3>Input</h3>
      <pre className="code">{json(run.input)}</pre>
      {run.output !== undefined && <><h3>Output</h3><pre className="code">{json(run.output)}</pre></>}
    </div>
  );
}
