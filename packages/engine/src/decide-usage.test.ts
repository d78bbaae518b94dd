import { compileWorkflow, workflowSchema } from '@baton/workflow';
import { RunDriver, workflowOf } from './run-driver.test-helper';

const usage = (prompt: number, completion: number) => ({ promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion });

const budgeted = (tokens: number, steps: unknown[]) => compileWorkflow(workflowSchema.parse({ name: 'test', budget: { tokens }, steps }));

describe('token usage', () => {
  it('adds each attempt’s usage to the run, failed attempts included, and records it in history before the outcome', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'llm', retry: { attempts: 2 } }, { id: 'b', agent: 'llm', needs: ['a'] }]));
    await d.start('a');
    const failed = await d.send({ type: 'step.failed', key: 'a', attempt: 1, retryable: true, error: { code: 'AGENT_ERROR', message: 'x' }, usage: usage(10, 2) });
    expect(failed.run.usage).toEqual(usage(10, 2));
    expect(failed.commands.filter((c) => c.type === 'emit').map((c) => c.type === 'emit' && c.event.type)).toEqual(['step.usage', 'step.retrying', 'step.queued']);
    await d.succeed('a', 'ok', { usage: usage(20, 5) });
    await d.succeed('b', 'ok');
    expect(d.state.usage).toEqual(usage(30, 7));
    expect(d.history().filter((e) => e.startsWith('step.usage'))).toEqual(['step.usage a', 'step.usage a']);
    expect(d.commands('emit').find((c) => c.event.type === 'step.usage')!.event).toEqual({ type: 'step.usage', key: 'a', data: { attempt: 1, ...usage(10, 2) } });
  });

  it('ignores the usage of a stale attempt, and of a step that reported none', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'llm' }]));
    const stale = await d.send({ type: 'step.succeeded', key: 'a', attempt: 7, output: 1, usage: usage(1, 1) });
    expect(stale).toEqual({ run: {}, steps: [], commands: [] });
    await d.succeed('a', 1);
    expect(d.state.usage).toBeUndefined();
  });
});

describe('token budget', () => {
  it('gives each enqueued attempt the budget and what the run had spent when it was queued', async () => {
    const d = await RunDriver.submit(budgeted(100, [{ id: 'a', agent: 'llm' }, { id: 'b', agent: 'llm', needs: ['a'] }]));
    expect(d.commands('enqueue')[0]!.tokenBudget).toEqual({ limit: 100, used: 0 });
    await d.succeed('a', 'x', { usage: usage(60, 50) });
    expect(d.commands('enqueue')[1]!.tokenBudget).toEqual({ limit: 100, used: 110 });
  });

  it('is absent without a budget', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'llm' }]));
    expect(d.commands('enqueue')[0]).not.toHaveProperty('tokenBudget');
  });
});

describe('step progress', () => {
  it('becomes a history event of the current attempt and changes nothing else', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'llm' }]));
    await d.start('a');
    const decision = await d.send({ type: 'step.progress', key: 'a', attempt: 1, text: 'Hel' });
    expect(decision).toEqual({ run: {}, steps: [], commands: [{ type: 'emit', event: { type: 'step.progress', key: 'a', data: { attempt: 1, text: 'Hel' } } }] });
  });

  it('is ignored from a stale attempt or an unknown entry', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'llm' }]));
    expect(await d.send({ type: 'step.progress', key: 'a', attempt: 2, text: 'x' })).toEqual({ run: {}, steps: [], commands: [] });
    expect(await d.send({ type: 'step.progress', key: 'nope', attempt: 1, text: 'x' })).toEqual({ run: {}, steps: [], commands: [] });
  });
});
