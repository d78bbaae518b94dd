import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { defineAgent } from '@baton/agents';
import { z } from 'zod';
import { BatonHarness, type RunView } from '../testing/baton-harness';
import { waitFor } from '../testing/ephemeral-services';
import { bystandersSucceed, whileProbingHealth, healthBound } from '../testing/hostile';

// Issue 7, "one bad submission takes others down" (cases 7 to 10) and the worker lost in a loop
// (case 1): one client's bad data is that client's answer alone, and nothing is changed silently.

jest.setTimeout(120_000);

/**
 * How long `/healthz` may take while an attack runs: 100 ms as the issue asks, or twice what it
 * takes with no attack at all when the machine is that busy (api, worker and test share one
 * process here, and CI machines are shared): an attack may not add a freeze of its own.
 */
let healthyMs = 100;

// Counts every execution of every step: a run whose result was lost and re-run shows up here.
const executions = new Map<string, number>();
const tally = defineAgent({
  name: 'tally',
  description: 'Counts its executions, doubles n',
  input: z.object({ n: z.number() }),
  run: (input, ctx) => {
    const id = `${ctx.runId}|${ctx.key}`;
    executions.set(id, (executions.get(id) ?? 0) + 1);
    return input.n * 2;
  },
});

const nulMessage = defineAgent({
  name: 'nul-message',
  description: 'Fails with a NUL and a lone surrogate in its error message',
  input: z.unknown(),
  run: () => {
    throw new Error('bad\u0000byte and \ud800 half');
  },
});

const stepOf = (run: RunView, key: string) => {
  const found = run.steps.find((s) => s.key === key);
  if (!found) throw new Error(`no step ${key} in ${JSON.stringify(run)}`);
  return found;
};

const echoN = { name: 'valid', steps: [{ id: 'a', agent: 'echo', input: { n: '{{ $input.n }}' } }] };

let baton: BatonHarness;
beforeAll(async () => {
  baton = await BatonHarness.start({ workers: 1, extraAgents: [tally, nulMessage] });
  // Warm: the first runs of a process compile what every later one reuses.
  await bystandersSucceed(baton, 5);
  healthyMs = await healthBound(baton);
});
afterAll(() => baton.close());

/** The attack while `/healthz` is probed and another client's runs go through: the api never froze, no one else was hurt. */
async function probed<T>(attack: () => Promise<T>): Promise<T> {
  const outcome = await whileProbingHealth(baton, async () => {
    const [result] = await Promise.all([attack(), bystandersSucceed(baton, 5)]);
    return result;
  });
  expect(outcome.unhealthy).toBe(0);
  expect(outcome.worstHealthMs).toBeLessThan(healthyMs);
  return outcome.result;
}

/**
 * Sends `send` racing `count` valid submissions, so that they share admission batches (and later
 * group-commit batches): every valid one must be admitted and succeed.
 */
async function amidValidSubmissions<T>(count: number, send: () => Promise<T>): Promise<T> {
  const [valid, result] = await Promise.all([
    Promise.all(Array.from({ length: count }, (_, n) => baton.request('POST', '/v1/runs', { workflow: echoN, input: { n } }))),
    send(),
  ]);
  expect(valid.map((r) => r.status)).toEqual(valid.map(() => 202));
  const runs = await Promise.all(valid.map((r) => baton.waitFor(r.body.id as string)));
  expect(runs.map((r) => [r.status, r.output])).toEqual(runs.map((_, n) => ['succeeded', { a: { n } }]));
  return result;
}

describe('case 7: a lone UTF-16 surrogate', () => {
  test('in a submitted value or key is a 400 naming it, and no other submission of its batch fails', async () => {
    const attack = () =>
      Promise.all([
        baton.request('POST', '/v1/runs', { workflow: echoN, input: { n: 1, s: '\ud800' } }),
        baton.request('POST', '/v1/runs', { workflow: echoN, input: { n: 1, deep: [{ ['k\udc00']: 1 }] } }),
      ]);
    for (const [value, key] of [await probed(attack), ...[await amidValidSubmissions(50, attack), await amidValidSubmissions(50, attack)]]) {
      expect(value.status).toBe(400);
      expect(value.body.error.code).toBe('VALIDATION_FAILED');
      expect(value.body.error.details).toEqual([{ path: 'input.s', message: expect.stringMatching(/surrogate/) }]);
      expect(key.status).toBe(400);
      expect(key.body.error.details).toEqual([{ path: 'input.deep[0]["k\\udc00"]', message: expect.stringMatching(/^the key .*surrogate/) }]);
    }
  });

  test('in a YAML definition (an escape the JSON body check never sees) is a 400 naming it, and fails alone', async () => {
    const yaml = 'name: yaml-surrogate\nsteps:\n  - id: a\n    agent: echo\n    input: { s: "\\ud800" }\n';
    const attack = () => baton.request('POST', '/v1/runs', { workflow: yaml });
    for (const answer of [await probed(attack), await amidValidSubmissions(50, attack)]) {
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_FAILED');
      expect(answer.body.error.details).toEqual([{ path: 'workflow.steps[0].input.s', message: expect.stringMatching(/surrogate/) }]);
    }
  });

  test('made by a template fails that run with a reason, at submission or later, and only that run', async () => {
    const atSubmission = { name: 'split-first', steps: [{ id: 'a', agent: 'echo', input: { s: "{{ $split('😀', '')[0] }}" } }] };
    const later = {
      name: 'split-later',
      steps: [{ id: 'a', agent: 'echo', input: { s: 'ok' } }, { id: 'b', agent: 'echo', needs: ['a'], input: { s: "{{ $split('😀', '')[1] }}" } }],
    };
    const attack = async () => {
      const answers = await Promise.all([baton.request('POST', '/v1/runs', { workflow: atSubmission }), baton.request('POST', '/v1/runs', { workflow: later })]);
      expect(answers.map((a) => a.status)).toEqual([202, 202]);
      return Promise.all(answers.map((a) => baton.waitFor(a.body.id as string)));
    };
    for (const [first, second] of [await probed(attack), await amidValidSubmissions(50, attack)]) {
      expect(first!.status).toBe('failed');
      expect(stepOf(first!, 'a').error).toEqual({ code: 'EXPRESSION', message: expect.stringMatching(/steps\[0\]\.input\.s: .*surrogate/) });
      expect(second!.status).toBe('failed');
      expect(stepOf(second!, 'a').status).toBe('succeeded');
      expect(stepOf(second!, 'b').error).toEqual({ code: 'EXPRESSION', message: expect.stringMatching(/surrogate/) });
    }
  });
});

describe('case 8: an output that cannot be stored', () => {
  test('fails its step with OUTPUT_NOT_STORABLE; 200 other runs in the same batches run once each and succeed', async () => {
    const bad = {
      name: 'unstorable',
      steps: [{ id: 'split', agent: 'transform', input: { expression: "$split(s, '')[0]", data: { s: '😀' } } }],
    };
    const expectRefused = (run: RunView) => {
      expect(run.status).toBe('failed');
      expect(stepOf(run, 'split').error).toEqual({ code: 'OUTPUT_NOT_STORABLE', message: expect.stringMatching(/^step split: .*output .*surrogate/) });
    };
    // The attack alone.
    const alone = await probed(async () => Promise.all(Array.from({ length: 10 }, async () => baton.waitFor(await baton.submit(bad)))));
    alone.forEach(expectRefused);
    // 10 bad runs among 200 others, whose results share group-commit batches with theirs.
    const normal = (n: number) => ({ name: 'normal', steps: [{ id: 't', agent: 'tally', input: { n } }] });
    const ids = await Promise.all([
      ...Array.from({ length: 200 }, (_, n) => baton.submit(normal(n))),
      ...Array.from({ length: 10 }, () => baton.submit(bad)),
    ]);
    const runs = await Promise.all(ids.map((id) => baton.waitFor(id, { timeoutMs: 30_000 })));
    const normals = runs.slice(0, 200);
    expect(normals.map((r) => [r.status, r.output])).toEqual(normals.map((_, n) => ['succeeded', { t: n * 2 }]));
    expect(normals.map((r) => executions.get(`${r.id}|t`))).toEqual(normals.map(() => 1));
    runs.slice(200).forEach(expectRefused);
  });
});

describe('case 9: step ids that name Object.prototype members', () => {
  test.each(['__proto__', 'constructor'])('step id %s is refused by validate and by submit', async (id) => {
    const workflow = { name: 'proto-id', steps: [{ id, agent: 'echo', input: { x: 1 } }, { id: 'after', agent: 'echo', needs: [id] }] };
    const validated = await baton.request('POST', '/v1/workflows/validate', { workflow });
    expect(validated.status).toBe(400);
    expect(validated.body.error.details).toEqual([{ path: 'workflow.steps[0].id', message: expect.stringMatching(/reserved/) }]);
    const submitted = await baton.request('POST', '/v1/runs', { workflow, input: {} });
    expect(submitted.status).toBe(400);
    expect(submitted.body.error.details).toEqual([{ path: 'workflow.steps[0].id', message: expect.stringMatching(/reserved/) }]);
  });
});

describe('case 10: data is kept, or refused with a reason, never changed', () => {
  test('a key __proto__ in a step input is kept, literal or evaluated', async () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "n": "{{ $input.n }}", "made": "{{ $input.inner }}"}') as unknown;
    const inner = JSON.parse('{"__proto__": {"deep": 1}}') as unknown;
    const id = await baton.submit({ name: 'proto-key', steps: [{ id: 'a', agent: 'echo', input }] }, { n: 1, inner });
    const run = await baton.waitFor(id);
    expect(run.status).toBe('succeeded');
    const output = stepOf(run, 'a').output as Record<string, unknown>;
    expect(Object.keys(output).sort()).toEqual(['__proto__', 'made', 'n']);
    expect(Object.getOwnPropertyDescriptor(output, '__proto__')?.value).toEqual({ polluted: true });
    expect(Object.getOwnPropertyDescriptor(output.made, '__proto__')?.value).toEqual({ deep: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('a NUL made by a template fails its step with a reason instead of becoming U+FFFD', async () => {
    const id = await baton.submit({ name: 'nul-input', steps: [{ id: 'a', agent: 'echo', input: { s: "{{ $decodeUrlComponent('%00') }}" } }] });
    const run = await baton.waitFor(id);
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'a').error).toEqual({ code: 'EXPRESSION', message: expect.stringMatching(/\\u0000/) });
    expect(JSON.stringify(run)).not.toContain('\ufffd');
  });

  test('a NUL in an output fails its step with OUTPUT_NOT_STORABLE; one in an error message is shown escaped', async () => {
    const id = await baton.submit({
      name: 'nul-output',
      steps: [
        { id: 'out', agent: 'transform', input: { expression: "{ 'a': [$decodeUrlComponent('%00')] }" } },
        { id: 'err', agent: 'nul-message' },
      ],
    });
    const run = await baton.waitFor(id);
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'out').error).toEqual({ code: 'OUTPUT_NOT_STORABLE', message: expect.stringMatching(/output\.a\[0\].*\\u0000/) });
    expect(stepOf(run, 'err').error).toEqual({ code: 'AGENT_ERROR', message: 'bad\\u0000byte and \\ud800 half' });
    expect(JSON.stringify(run)).not.toContain('\ufffd');
  });
});

describe('case 1: a step that kills its worker every time', () => {
  test('fails with WORKER_LOST after BATON_MAX_REQUEUES re-runs, and the workers that follow live', async () => {
    const own = await BatonHarness.start({ workers: 1, reconcileEveryMs: 300, env: { WORKER_LOCK_MS: '1000', BATON_MAX_REQUEUES: '1' } });
    let child: ChildProcess | undefined;
    let deaths = 0;
    let stopping = false;
    // Restarted after each death, as systemd would.
    const spawnWorker = () => {
      child = spawn(process.execPath, [join(__dirname, '../../dist/testing/crashing-worker.js')], {
        env: { ...process.env, ...own.env, WORKER_AGENTS: 'crash,echo' },
        stdio: 'ignore',
      });
      child.once('exit', () => {
        if (stopping) return;
        deaths++;
        spawnWorker();
      });
    };
    try {
      spawnWorker();
      await waitFor(async () => {
        const agents = await own.request('GET', '/v1/agents');
        return agents.body.items.some((a: { name: string; workers: number }) => a.name === 'crash' && a.workers > 0);
      }, 20_000, 'the crashing worker did not register');
      const id = await own.submit({ name: 'doomed', steps: [{ id: 'boom', agent: 'crash' }, { id: 'after', agent: 'echo', needs: ['boom'] }] });
      const run = await own.waitFor(id, { timeoutMs: 60_000 });
      expect(run.status).toBe('failed');
      expect(stepOf(run, 'boom').error).toEqual({ code: 'WORKER_LOST', message: expect.stringMatching(/worker lost.*2 times.*BATON_MAX_REQUEUES/) });
      expect(stepOf(run, 'after').status).toBe('skipped');
      // BATON_MAX_REQUEUES=1: the first run and one re-run, then no more deaths.
      expect(deaths).toBe(2);
      await bystandersSucceed(own);
      await new Promise((r) => setTimeout(r, 2_000));
      expect(deaths).toBe(2);
    } finally {
      stopping = true;
      child?.kill('SIGKILL');
      await own.close();
    }
  });
});
