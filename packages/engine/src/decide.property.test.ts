import fc from 'fast-check';
import type { CompiledWorkflow, WorkflowInput } from '@baton/workflow';
import { decide } from './decide';
import { RunDriver, workflowOf } from './run-driver.test-helper';
import { FINAL_RUN_STATUSES, FINAL_STEP_STATUSES, type Decision, type RunEvent, type StepState } from './types';

/** A random DAG: each step may need any of the steps before it, with random conditions, policies and fan-outs. */
const workflowArb: fc.Arbitrary<WorkflowInput['steps']> = fc.integer({ min: 1, max: 7 }).chain((count) =>
  fc.tuple(
    ...Array.from({ length: count }, (_, i) =>
      fc
        .record({
          needs: fc.subarray(Array.from({ length: i }, (_, j) => `s${j}`)),
          when: fc.constantFrom('none', 'true', 'false', 'need-succeeded'),
          onFailure: fc.constantFrom('fail' as const, 'continue' as const),
          attempts: fc.integer({ min: 1, max: 3 }),
          forEach: fc.option(fc.integer({ min: 0, max: 4 })),
          concurrency: fc.option(fc.integer({ min: 1, max: 3 })),
          handoffs: fc.boolean(),
          subWorkflow: fc.boolean(),
          writes: fc.boolean(),
        })
        .map((s) => {
          const id = `s${i}`;
          const when = {
            none: undefined,
            true: '{{ true }}',
            false: '{{ false }}',
            'need-succeeded': s.needs.length ? `{{ $steps.${s.needs[0]}.status = 'succeeded' }}` : '{{ $exists($input) }}',
          }[s.when];
          return {
            id,
            ...(s.subWorkflow && !s.handoffs ? { workflow: 'child' } : { agent: 'work' }),
            needs: s.needs,
            when,
            onFailure: s.onFailure,
            retry: { attempts: s.attempts, backoff: { type: 'exponential' as const, delayMs: 10 } },
            ...(s.forEach === null ? {} : { forEach: `{{ [${Array.from({ length: s.forEach }, (_, k) => k).join(',')}] }}` }),
            ...(s.concurrency === null ? {} : { concurrency: s.concurrency }),
            ...(s.handoffs ? { handoffs: ['helper'], maxHandoffs: 2 } : {}),
            ...(s.writes ? { contextAccess: { write: ['k'] } } : {}),
            input: { item: '{{ $item ?? null }}', needs: `{{ $count($keys($steps)) }}` },
          };
        }),
    ),
  ),
);

type Kind = 'start' | 'succeed' | 'handoff' | 'badHandoff' | 'badWrite' | 'fail' | 'failFinal' | 'timeout' | 'stale' | 'replay' | 'cancel' | 'retry';

const actionArb = fc.record({
  pick: fc.nat(),
  kind: fc.oneof(
    { arbitrary: fc.constant<Kind>('start'), weight: 4 },
    { arbitrary: fc.constant<Kind>('succeed'), weight: 8 },
    { arbitrary: fc.constant<Kind>('handoff'), weight: 3 },
    { arbitrary: fc.constantFrom<Kind>('badHandoff', 'badWrite', 'failFinal', 'timeout', 'stale', 'replay'), weight: 6 },
    { arbitrary: fc.constant<Kind>('fail'), weight: 3 },
    { arbitrary: fc.constant<Kind>('retry'), weight: 1 },
    { arbitrary: fc.constant<Kind>('cancel'), weight: 1 },
  ),
});

const isFinal = (entry: StepState | undefined) => entry !== undefined && FINAL_STEP_STATUSES.has(entry.status);

/** Sends an event through the driver and checks what every decision must respect. */
async function checkedSend(d: RunDriver, event: RunEvent, applied: RunEvent[]): Promise<Decision> {
  const before = JSON.stringify(d.state);
  const previous = d.state;
  const decision = await d.send(event);
  expect(JSON.stringify(previous)).toBe(before);

  // Replaying the event at once changes nothing.
  expect(await decide(d.workflow, d.state, event, d.now())).toEqual({ run: {}, steps: [], commands: [] });
  const changed = decision.steps.length > 0 || decision.commands.length > 0 || Object.keys(decision.run).length > 0;
  if (changed && event.type.startsWith('step.')) applied.push(event);

  // A final entry stays final, but for a re-run (or a set-aside hop taken up again by a new chain).
  if (event.type !== 'run.retried') {
    for (const entry of decision.steps) {
      const old = previous.steps[entry.key];
      if (isFinal(old) && old!.reason !== 'hand-off chain restarted') expect(entry).toEqual(old);
    }
  }

  // Nothing is dispatched before the needs of its step are final.
  for (const command of decision.commands) {
    if (command.type !== 'enqueue' && command.type !== 'startChildRun') continue;
    const { stepId } = d.state.steps[command.key]!;
    for (const need of d.workflow.steps.get(stepId)!.def.needs) expect(isFinal(d.state.steps[need])).toBe(true);
  }

  // A step leaves `pending` (to start or to be skipped) only once its needs are final.
  for (const entry of decision.steps) {
    if (entry.parentKey !== undefined || entry.status === 'pending' || previous.steps[entry.key]?.status !== 'pending') continue;
    for (const need of d.workflow.steps.get(entry.stepId)!.def.needs) expect(isFinal(d.state.steps[need])).toBe(true);
  }

  // A forEach never has more than `concurrency` children in workers' hands.
  for (const [id, step] of d.workflow.steps) {
    const items = d.state.steps[id]?.items;
    if (!items || step.def.concurrency === undefined) continue;
    const active = items.filter((_, i) => {
      const child = d.state.steps[`${id}[${i}]`]!;
      return child.status === 'queued' || child.status === 'running';
    });
    expect(active.length).toBeLessThanOrEqual(step.def.concurrency);
  }

  // A run that is not over always has work in some worker's hands: nothing is stuck.
  if (!FINAL_RUN_STATUSES.has(d.state.status)) expect(d.jobs().length).toBeGreaterThan(0);
  return decision;
}

async function play(workflow: CompiledWorkflow, actions: { pick: number; kind: Kind }[]): Promise<RunDriver> {
  const d = new RunDriver(workflow);
  const applied: RunEvent[] = [];
  await checkedSend(d, { type: 'run.submitted' }, applied);
  const send = (event: RunEvent) => checkedSend(d, event, applied);
  let retries = 0;
  for (const { pick, kind } of actions) {
    d.tick(7);
    // An operator retries a failed run, twice at most.
    if (d.state.status === 'failed' && retries < 2) {
      retries++;
      await send({ type: 'run.retried' });
    }
    if (kind === 'cancel') {
      await send({ type: 'run.cancelled' });
      continue;
    }
    if (kind === 'retry') {
      await send({ type: 'run.retried' });
      continue;
    }
    if (kind === 'replay') {
      if (applied.length > 0) {
        const event = applied[pick % applied.length]!;
        expect(await decide(d.workflow, d.state, event, d.now())).toEqual({ run: {}, steps: [], commands: [] });
      }
      continue;
    }
    const jobs = d.jobs();
    if (jobs.length === 0) continue;
    const job = jobs[pick % jobs.length]!;
    const { key, attempt } = job;
    const result = { key, attempt };
    switch (kind) {
      case 'start':
        await send({ type: 'step.started', ...result });
        break;
      case 'succeed':
        await send({ type: 'step.succeeded', ...result, output: { key, attempt }, contextWrites: { k: attempt } });
        break;
      case 'handoff':
        await send({ type: 'step.succeeded', ...result, handoff: { to: 'helper', input: { from: key } } });
        break;
      case 'badHandoff':
        await send({ type: 'step.succeeded', ...result, handoff: { to: 'stranger' } });
        break;
      case 'badWrite':
        await send({ type: 'step.succeeded', ...result, contextWrites: { other: 1 } });
        break;
      case 'fail':
      case 'failFinal':
        await send({ type: 'step.failed', ...result, retryable: kind === 'fail', error: { code: 'AGENT_ERROR', message: kind } });
        break;
      case 'timeout':
        await send({ type: 'step.timedOut', ...result });
        break;
      case 'stale':
        await send({ type: 'step.failed', key, attempt: attempt - 1, retryable: true, error: { code: 'AGENT_ERROR', message: 'stale' } });
        break;
    }
  }
  // Then every job succeeds until the run is over.
  for (let guard = 0; !FINAL_RUN_STATUSES.has(d.state.status); guard++) {
    expect(guard).toBeLessThan(500);
    const job = d.jobs()[0]!;
    await send({ type: 'step.succeeded', key: job.key, attempt: job.attempt, output: job.key });
  }
  return d;
}

describe('decide over random workflows and random worker behaviour', () => {
  it('ends every run, and every entry, in a final state while keeping its invariants', async () => {
    await fc.assert(
      fc.asyncProperty(workflowArb, fc.array(actionArb, { maxLength: 100 }), async (steps, actions) => {
        const workflow = workflowOf(steps);
        const d = await play(workflow, actions);
        expect(FINAL_RUN_STATUSES.has(d.state.status)).toBe(true);
        for (const entry of Object.values(d.state.steps)) expect(FINAL_STEP_STATUSES.has(entry.status)).toBe(true);
        for (const id of workflow.steps.keys()) expect(d.state.steps[id]).toBeDefined();

        // Every attempt of every entry is dispatched exactly once.
        const dispatched = d.decisions.flatMap((decision) =>
          decision.commands.flatMap((c) => (c.type === 'enqueue' || c.type === 'startChildRun' ? [`${c.key}#${c.attempt}`] : [])),
        );
        expect(new Set(dispatched).size).toBe(dispatched.length);

        // The run's outcome follows its steps.
        if (d.state.status === 'succeeded') {
          for (const [id, step] of workflow.steps) {
            if (step.def.onFailure === 'fail') expect(d.state.steps[id]!.status).not.toBe('failed');
          }
        }
        if (d.state.status === 'failed') expect(d.state.error).toBeDefined();
      }),
      { numRuns: 400 },
    );
  });
});
