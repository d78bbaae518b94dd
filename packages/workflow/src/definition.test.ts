import { AGENT_NAME, DEFAULT_MAX_HANDOFFS, EVENT_TYPE, MAX_STEPS, RESERVED_STEP_IDS, STEP_ID, WORKFLOW_NAME, scheduleSchema, stepSchema, workflowSchema } from './definition';

describe('name patterns', () => {
  test.each<[RegExp, string, boolean]>([
    [WORKFLOW_NAME, 'triage-ticket', true],
    [WORKFLOW_NAME, 'v1.2_beta', true],
    [WORKFLOW_NAME, 'a'.repeat(64), true],
    [WORKFLOW_NAME, 'a'.repeat(65), false],
    [WORKFLOW_NAME, '-leading', false],
    [WORKFLOW_NAME, 'Upper', false],
    [WORKFLOW_NAME, '', false],
    [AGENT_NAME, 'http', true],
    [AGENT_NAME, 'acme.classifier', true],
    [AGENT_NAME, '.hidden', false],
    [STEP_ID, 'notify-each', true],
    [STEP_ID, '_private', true],
    [STEP_ID, 'a'.repeat(64), true],
    [STEP_ID, 'a'.repeat(65), false],
    [STEP_ID, 'a.b', false],
    [STEP_ID, '', false],
    [EVENT_TYPE, 'ticket.created', true],
    [EVENT_TYPE, 'acme/orders:v2', true],
    [EVENT_TYPE, 'a'.repeat(128), true],
    [EVENT_TYPE, 'a'.repeat(129), false],
    [EVENT_TYPE, '.leading', false],
    [EVENT_TYPE, 'has space', false],
  ])('%s %j → %s', (pattern, value, matches) => {
    expect(pattern.test(value)).toBe(matches);
  });
});

describe('schemas', () => {
  test('limits', () => {
    expect(MAX_STEPS).toBe(1000);
    expect(DEFAULT_MAX_HANDOFFS).toBe(8);
  });

  test('a step gets its defaults', () => {
    expect(stepSchema.parse({ id: 'a', agent: 'echo', retry: { backoff: {} } })).toEqual({
      id: 'a',
      agent: 'echo',
      needs: [],
      onFailure: 'fail',
      retry: { attempts: 1, backoff: { type: 'fixed', delayMs: 0 } },
    });
  });

  test('a workflow keeps what it was given', () => {
    const input = { type: 'object' };
    const parsed = workflowSchema.parse({ name: 'w', description: 'd', input, steps: [{ id: 'a', agent: 'echo' }], output: 5 });
    expect(parsed).toMatchObject({ name: 'w', description: 'd', input, output: 5 });
  });
});

describe('reserved step ids', () => {
  // Steps are keyed by id in objects: these would be read or written as prototype members.
  test.each(['__proto__', 'constructor', 'prototype'])('%s is refused', (id) => {
    const result = stepSchema.safeParse({ id, agent: 'echo' });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([expect.objectContaining({ path: ['id'], message: `'${id}' is reserved: choose another step id` })]);
    expect(RESERVED_STEP_IDS.has(id)).toBe(true);
  });

  test('ids that merely contain them are fine', () => {
    expect(stepSchema.safeParse({ id: '__proto__x', agent: 'echo' }).success).toBe(true);
    expect(stepSchema.safeParse({ id: 'constructors', agent: 'echo' }).success).toBe(true);
  });
});

describe('scheduleSchema', () => {
  test('takes a cron with an optional timezone and input, nothing else', () => {
    expect(scheduleSchema.safeParse({ cron: '0 2 * * *', timezone: 'UTC', input: { n: 1 } }).success).toBe(true);
    expect(scheduleSchema.safeParse({ cron: '0 2 * * *' }).success).toBe(true);
    expect(scheduleSchema.safeParse({ timezone: 'UTC' }).success).toBe(false);
    expect(scheduleSchema.safeParse({ cron: '0 2 * * *', every: 5 }).success).toBe(false);
  });
});
