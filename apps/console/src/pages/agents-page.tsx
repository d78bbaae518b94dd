import { useState } from 'react';
import { formatDuration, formatTime } from '../format';
import { StatusBadge } from '../status';
import type { Agent } from '../api';
import { OperatorButton } from '../operator-button';
import { useAction } from '../use-action';
import { useApi, useLoad } from '../use-api';
import { Problems } from './problems';

const WINDOWS = ['15m', '1h', '24h', '7d'];
const p95 = (p: { p95?: number | null }) => formatDuration(p.p95);
const percent = (rate: number | null) => (rate === null ? '—' : `${(rate * 100).toFixed(rate === 1 ? 0 : 1)} %`);

/** Live workers per agent (`/v1/agents`) and what they did in a window (`/v1/stats`), refreshed every 5 s. */
export function AgentsPage() {
  const [window, setWindow] = useState('1h');
  const agents = useLoad((api) => api.listAgents(), [], 5000);
  const stats = useLoad((api) => api.stats(window), [window], 5000);
  const byAgent = new Map(stats.data?.agents.map((a) => [a.agent, a]));
  return (
    <section>
      <div className="page-head">
        <h1>Agents</h1>
        <label>Window{' '}
          <select value={window} onChange={(e) => setWindow(e.target.value)}>{WINDOWS.map((w) => <option key={w}>{w}</option>)}</select>
        </label>
      </div>
      {(agents.error ?? stats.error) && <p className="error" role="alert">{(agents.error ?? stats.error)!.message}</p>}
      <table className="table">
        <thead>
          <tr><th>Agent</th><th>Status</th><th>Queue</th><th>Workers</th><th>Steps</th><th>Success</th><th>Throughput</th><th>p95 duration</th><th>p95 queue wait</th><th>Last seen</th></tr>
        </thead>
        <tbody>
          {agents.data?.map((a) => {
            const s = byAgent.get(a.name);
            return (
              <tr key={a.name}>
                <td><strong>{a.name}</strong><br /><small className="muted">{a.description}</small></td>
                <td><StatusBadge status={a.workers > 0 ? 'online' : 'offline'} /></td>
                <td><AgentPause agent={a} onChange={agents.reload} /></td>
                <td>{a.workers}</td>
                <td>{s?.count ?? 0}</td>
                <td>{s ? percent(s.successRate) : '—'}</td>
                <td>{s ? `${s.throughputPerMinute} / min` : '—'}</td>
                <td>{s ? p95(s.durationMs) : '—'}</td>
                <td>{s ? p95(s.queueWaitMs) : '—'}</td>
                <td>{formatTime(a.lastSeenAt)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h2>Workflows</h2>
      <table className="table">
        <thead><tr><th>Workflow</th><th>Runs</th><th>Success</th><th>Throughput</th><th>p95 duration</th><th>p95 queue wait</th></tr></thead>
        <tbody>
          {stats.data?.templates.map((t) => (
            <tr key={`${t.kind}:${t.template}`}>
              <td>{t.template} <small className="muted">{t.kind}</small></td>
              <td>{t.count}</td><td>{percent(t.successRate)}</td><td>{t.throughputPerMinute} / min</td><td>{p95(t.durationMs)}</td><td>{p95(t.queueWaitMs)}</td>
            </tr>
          ))}
          {stats.data && stats.data.templates.length === 0 && <tr><td colSpan={6} className="muted">No run finished in the last {window}.</td></tr>}
        </tbody>
      </table>
    </section>
  );
}

/** An agent's queue, paused fleet-wide or not (who, why, when), and the admin's button that flips it. */
function AgentPause({ agent, onChange }: { agent: Agent; onChange: () => void }) {
  const api = useApi();
  const action = useAction();
  const { paused } = agent;
  const toggle = async () => {
    await action.run((): Promise<unknown> => (paused ? api.resumeAgent(agent.name) : api.pauseAgent(agent.name)));
    onChange();
  };
  return (
    <div className="queue-cell" data-testid={`agent-queue-${agent.name}`}>
      <StatusBadge status={paused ? 'paused' : 'active'} />
      {paused && (
        <small>
          by <strong>{paused.by === 'auto' ? 'auto-pause' : paused.by}</strong> {formatTime(paused.at)}
          {paused.reason && <><br /><span className="muted">{paused.reason}</span></>}
        </small>
      )}
      <OperatorButton needs="admin.manage" disabled={action.busy} onClick={toggle} aria-label={`${paused ? 'Resume' : 'Pause'} agent ${agent.name}`}
        title={paused ? undefined : 'Admins only: no worker of any tenant starts its steps until it is resumed'}>
        {paused ? 'Resume' : 'Pause'}
      </OperatorButton>
      {action.error && <Problems error={action.error} />}
    </div>
  );
}
