import type { RunRow, StepRow } from '@baton/db';
import { orderSteps, toRunSummary, toRunView } from './run-view';

const at = new Date('2026-03-01T10:00:00.000Z');

function step(key: string, fields: Partial<StepRow> = {}): StepRow {
  return {
    run_id: 'r', key, step_id: key.replace(/[[>].*$/, ''), agent: 'echo', status: 'pending', attempt: 0, parent_key: null, idx: null, hop: null,
    input: null, output: null, error: null, reason: null, items: null, handoff: null, queued_at: null, started_at: null, finished_at: null,
    deadline_at: null, next_child: null, children_succeeded: null, prior_attempts: null, held_until: null, requeues: 0, ...fields,
  };
}

const definition = { name: 'wf', steps: [{ id: 'classify' }, { id: 'notify' }, { id: 'reply' }] };

describe('orderSteps', () => {
  it('puts top-level steps in definition order, each followed by its children', () => {
    const rows = [
      step('reply'),
      step('notify[10]', { parent_key: 'notify', idx: 10 }),
      step('classify>handoff:2', { parent_key: 'classify', hop: 2 }),
      step('notify', { agent: null }),
      step('notify[2]', { parent_key: 'notify', idx: 2 }),
      step('notify[2]>handoff:1', { parent_key: 'notify[2]', hop: 1 }),
      step('classify>handoff:1', { parent_key: 'classify', hop: 1 }),
      step('classify'),
    ];
    expect(orderSteps(rows, definition).map((r) => r.key)).toEqual([
      'classify', 'classify>handoff:1', 'classify>handoff:2', 'notify', 'notify[2]', 'notify[2]>handoff:1', 'notify[10]', 'reply',
    ]);
  });

  it('keeps entries whose parent or definition step is missing, at the end', () => {
    const rows = [step('ghost[0]', { parent_key: 'ghost', idx: 0 }), step('zeta'), step('classify')];
    expect(orderSteps(rows, definition).map((r) => r.key)).toEqual(['classify', 'ghost[0]', 'zeta']);
  });

  it('shows rows of a corrupt parent cycle instead of losing them', () => {
    const rows = [step('a', { parent_key: 'b' }), step('b', { parent_key: 'a' })];
    expect(orderSteps(rows, null).map((r) => r.key).sort()).toEqual(['a', 'b']);
  });
});

const run: RunRow = {
  id: 'r', tenant: 'default', status: 'running', workflow_name: 'wf', template: null, template_version: null, definition,
  definition_hash: 'h', input: { x: 1 }, output: null, error: null, context: {}, priority: 5, version: 1, event_seq: 2,
  submitted_by: 'admin-key', created_at: at, started_at: at, finished_at: null, used_bytes: 0, allowed_agents: null, traceparent: null, signals: null, usage: null,
  paused_by: null, forked_from: null, forked_from_step: null,
};

describe('toRunView', () => {
  it('shows API.md field names, ISO timestamps and no nulls', () => {
    const view = toRunView(run, [
      step('notify', { agent: null, status: 'running', attempt: 1 }),
      step('classify', { status: 'succeeded', attempt: 2, output: { label: 'bug' }, started_at: at, finished_at: at }),
    ]);
    expect(view).toEqual({
      id: 'r', status: 'running', workflow: 'wf', input: { x: 1 }, createdAt: at.toISOString(), startedAt: at.toISOString(),
      steps: [
        { id: 'classify', key: 'classify', status: 'succeeded', agent: 'echo', attempts: 2, output: { label: 'bug' }, startedAt: at.toISOString(), finishedAt: at.toISOString() },
        { id: 'notify', key: 'notify', status: 'running', attempts: 1 },
      ],
    });
    expect(JSON.stringify(view)).not.toContain('null');
  });

  it('shows template, version, output, error, reason when there are some', () => {
    const view = toRunView({ ...run, template: 'triage', template_version: 3, status: 'failed', output: { a: 1 }, error: { code: 'AGENT_ERROR', message: 'x' }, finished_at: at },
      [step('classify', { status: 'skipped', reason: 'a need failed' })]);
    expect(view).toMatchObject({ template: 'triage', version: 3, output: { a: 1 }, error: { code: 'AGENT_ERROR' }, finishedAt: at.toISOString() });
    expect(view.steps[0]).toMatchObject({ reason: 'a need failed' });
  });
});

describe('a waiting step', () => {
  it('shows the signal it waits for and when it times out, if it does', () => {
    const view = toRunView(run, [
      step('classify', { agent: 'wait', status: 'waiting', attempt: 1, input: { signal: 'approve', timeoutMs: 60_000 }, started_at: at, deadline_at: new Date(at.getTime() + 60_000) }),
      step('notify', { agent: 'wait', status: 'waiting', attempt: 1, input: { signal: 'ack' }, started_at: at }),
      step('reply', { agent: 'wait', status: 'succeeded', attempt: 1, input: { signal: 'done' }, output: 1, deadline_at: null }),
    ]);
    expect(view.steps.map((s) => s.waitingForSignal)).toEqual([
      { signal: 'approve', timeoutAt: '2026-03-01T10:01:00.000Z' },
      { signal: 'ack' },
      undefined,
    ]);
  });
});

describe('toRunSummary', () => {
  it('is the list shape', () => {
    expect(toRunSummary(run)).toEqual({ id: 'r', status: 'running', workflow: 'wf', createdAt: at.toISOString(), startedAt: at.toISOString() });
  });
});
