import { defineAgent, type StartedAgent } from '@baton/agents';
import type { RunEvent } from '@baton/engine';
import type { StepJob } from '@baton/queue';
import { SecretRefusedError } from '@baton/runtime';
import type { Logger } from '@baton/telemetry';
import { secretMarker } from '@baton/workflow';
import { z } from 'zod';
import { StepProcessor, type StepRuntime } from './step-processor';
import { contextRefusal, maskOutcome, resolveSecrets, type SecretSource } from './step-secrets';

const CANARY = 'canary-7f3a9c';

/** Values by tenant and name; an agent outside `only` is refused, as `SecretResolver` does. */
function fakeSecrets(values: Record<string, Record<string, string>>, only?: Record<string, string[]>): SecretSource & { asked: string[][] } {
  const asked: string[][] = [];
  return {
    asked,
    async resolve(tenant, names, agent) {
      asked.push([tenant, ...names]);
      const out = new Map<string, string>();
      for (const name of names) {
        const value = values[tenant]?.[name];
        if (value === undefined) throw new SecretRefusedError(`secret ${name} does not exist`);
        if (only?.[name] && !only[name].includes(agent)) throw new SecretRefusedError(`agent ${agent} may not receive secret ${name} (allowedAgents: [${only[name].join(', ')}])`);
        out.set(name, value);
      }
      return out;
    },
  };
}

const job = (fields: Partial<StepJob> = {}): StepJob => ({ runId: 'r1', key: 'call', attempt: 1, agent: 'probe', input: {}, context: {}, tenant: 't1', ...fields });

function harness(agentRun: (input: unknown, ctx: { logger: { info(m: string, meta?: Record<string, unknown>): void }; context: { set(k: string, v: unknown): void } }) => unknown, secrets?: SecretSource) {
  const applied: RunEvent[] = [];
  const lines: string[] = [];
  const logger: Logger = {
    debug: (m, meta) => lines.push(`${m} ${JSON.stringify(meta ?? {})}`),
    info: (m, meta) => lines.push(`${m} ${JSON.stringify(meta ?? {})}`),
    warn: (m, meta) => lines.push(`${m} ${JSON.stringify(meta ?? {})}`),
    error: (m, meta) => lines.push(`${m} ${JSON.stringify(meta ?? {})}`),
    child: () => logger,
  };
  const seen: unknown[] = [];
  const agent = defineAgent({
    name: 'probe',
    input: z.unknown(),
    run: (input, ctx) => {
      seen.push(input);
      return agentRun(input, ctx);
    },
  });
  const runtime: StepRuntime = { apply: async (_r, e) => void applied.push(e), hydrate: async (v) => v, offload: async (_r, v) => v };
  const served: StartedAgent = { agent, deps: undefined } as StartedAgent;
  const processor = new StepProcessor({ runtime, agents: { get: (n) => (n === 'probe' ? served : undefined) }, logger, secrets });
  return { processor, applied, lines, seen };
}

const result = (applied: RunEvent[]) => applied.find((e) => e.type !== 'step.started');

describe('$secrets on the worker', () => {
  test('the agent gets the value; what is recorded and logged has it masked', async () => {
    const h = harness((input, ctx) => {
      ctx.logger.info(`calling with ${(input as { auth: string }).auth}`, { token: CANARY });
      ctx.context.set('seen', `${CANARY}!`);
      return { echoed: input, note: `x${CANARY}x` };
    }, fakeSecrets({ t1: { TOKEN: CANARY } }));
    await h.processor.process(job({ input: { auth: `Bearer ${secretMarker('TOKEN')}` }, secrets: ['TOKEN'] }));
    expect(h.seen).toEqual([{ auth: `Bearer ${CANARY}` }]);
    expect(result(h.applied)).toEqual({
      type: 'step.succeeded', key: 'call', attempt: 1, output: { echoed: { auth: 'Bearer ***' }, note: 'x***x' }, contextWrites: { seen: '***!' },
    });
    expect(h.lines.join('\n')).toContain('calling with Bearer ***');
    expect(JSON.stringify([h.applied, h.lines])).not.toContain(CANARY);
  });

  test("a marker the step's template did not name (one arriving in data) stays text", async () => {
    const secrets = fakeSecrets({ t1: { TOKEN: CANARY, OTHER: 'other-value' } });
    const h = harness((input) => input, secrets);
    await h.processor.process(job({ input: { a: secretMarker('TOKEN'), b: secretMarker('OTHER') }, secrets: ['TOKEN'] }));
    expect(h.seen).toEqual([{ a: CANARY, b: secretMarker('OTHER') }]);
    expect(secrets.asked).toEqual([['t1', 'TOKEN']]);
    const none = harness((input) => input, secrets);
    await none.processor.process(job({ input: { b: secretMarker('OTHER') } }));
    expect(none.seen).toEqual([{ b: secretMarker('OTHER') }]);
  });

  test('a refused secret fails the step, not retried, naming the secret and the agent; the agent never runs', async () => {
    const h = harness(() => 'ran', fakeSecrets({ t1: { TOKEN: CANARY } }, { TOKEN: ['http'] }));
    await h.processor.process(job({ input: secretMarker('TOKEN'), secrets: ['TOKEN'] }));
    expect(h.seen).toEqual([]);
    expect(result(h.applied)).toEqual({
      type: 'step.failed', key: 'call', attempt: 1, retryable: false,
      error: { code: 'SECRET', message: 'step call: agent probe may not receive secret TOKEN (allowedAgents: [http])' },
    });
  });

  test("another tenant's secret does not exist for this run", async () => {
    const h = harness(() => 'ran', fakeSecrets({ t2: { TOKEN: CANARY } }));
    await h.processor.process(job({ input: secretMarker('TOKEN'), secrets: ['TOKEN'] }));
    expect(result(h.applied)).toMatchObject({ type: 'step.failed', retryable: false, error: { code: 'SECRET', message: 'step call: secret TOKEN does not exist' } });
  });

  test('a worker without secrets configured fails the step naming BATON_SECRET_KEY', async () => {
    const h = harness(() => 'ran');
    await h.processor.process(job({ input: secretMarker('TOKEN'), secrets: ['TOKEN'] }));
    expect(result(h.applied)).toMatchObject({ type: 'step.failed', retryable: false, error: { code: 'SECRET', message: expect.stringContaining('set BATON_SECRET_KEY') } });
  });

  test('a store that cannot be read fails the job (the attempt runs again), with no step result', async () => {
    const source: SecretSource = { resolve: () => Promise.reject(new Error('postgres down')) };
    await expect(resolveSecrets(job({ input: secretMarker('A'), secrets: ['A'] }), secretMarker('A'), source)).rejects.toThrow('postgres down');
    const h = harness(() => 'ran', source);
    await expect(h.processor.process(job({ input: secretMarker('A'), secrets: ['A'] }))).rejects.toThrow('postgres down');
    expect(result(h.applied)).toBeUndefined();
  });

  test('an agent error holding the value is masked, and its cause is dropped', async () => {
    const h = harness(() => {
      throw new Error(`401 for ${CANARY}`);
    }, fakeSecrets({ t1: { TOKEN: CANARY } }));
    await h.processor.process(job({ input: secretMarker('TOKEN'), secrets: ['TOKEN'] }));
    expect(result(h.applied)).toMatchObject({ type: 'step.failed', error: { code: 'AGENT_ERROR', message: '401 for ***' } });
    expect(maskOutcome({ type: 'failed', error: { code: 'X', message: `m ${CANARY}` }, retryable: true, cause: new Error(CANARY) }, [CANARY])).toEqual({
      type: 'failed', error: { code: 'X', message: 'm ***' }, retryable: true,
    });
  });

  test('a hand-off carrying the value is masked', () => {
    expect(maskOutcome({ type: 'handoff', to: 'next', input: { k: CANARY }, reason: `because ${CANARY}` }, [CANARY])).toEqual({ type: 'handoff', to: 'next', input: { k: '***' }, reason: 'because ***' });
    expect(maskOutcome({ type: 'handoff', to: 'next', input: 1, contextWrites: { a: CANARY } }, [CANARY])).toEqual({ type: 'handoff', to: 'next', input: 1, contextWrites: { a: '***' } });
  });
});

describe('contextAccess.write on the worker', () => {
  test('a write outside the grant fails the step, not retried, naming the keys and the agent', async () => {
    const h = harness((_input, ctx) => {
      ctx.context.set('mine', 1);
      ctx.context.set('theirs', 2);
      return 'done';
    });
    await h.processor.process(job({ contextWrite: ['mine'] }));
    expect(result(h.applied)).toEqual({
      type: 'step.failed', key: 'call', attempt: 1, retryable: false,
      error: { code: 'CONTEXT_ACCESS', message: 'step call: agent probe may not write context theirs (contextAccess.write: [mine])' },
    });
  });

  test('writes inside the grant, or with no grant, pass', () => {
    const ok = { type: 'succeeded' as const, output: 1, contextWrites: { mine: 1 } };
    expect(contextRefusal(job({ contextWrite: ['mine'] }), ok)).toBeUndefined();
    expect(contextRefusal(job(), { ...ok, contextWrites: { any: 1 } })).toBeUndefined();
    expect(contextRefusal(job({ contextWrite: [] }), { type: 'succeeded', output: 1 })).toBeUndefined();
    expect(contextRefusal(job({ contextWrite: [] }), { type: 'handoff', to: 'x', input: 1, contextWrites: { k: 1 } })).toMatchObject({ error: { code: 'CONTEXT_ACCESS' } });
  });
});
