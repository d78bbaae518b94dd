import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@baton/db/testing';
import { freePort, startPostgres, startRedis, waitFor } from '../testing/ephemeral-services';

/**
 * Issue 7: a Postgres restart (fast or immediate stop) or a Redis `SHUTDOWN NOSAVE` under load must
 * not kill any process. The built api and two built workers run as separate processes against a
 * private Postgres cluster and a private Redis, while 8 clients submit as fast as they can.
 */

jest.setTimeout(200_000);

const SUBMITTERS = 8;

/** Short, with a delay step: jobs and transactions are in flight at every moment. */
const chain = {
  name: 'fault-load',
  steps: [
    { id: 'a', agent: 'echo', input: { n: '{{ $input.n }}' } },
    { id: 'b', agent: 'delay', needs: ['a'], input: { ms: 20, value: '{{ $steps.a.output.n }}' } },
    { id: 'c', agent: 'echo', needs: ['b'], input: { n: '{{ $steps.b.output }}' } },
  ],
};

type Phase = 'before' | 'outage' | 'after';

interface Proc {
  name: string;
  child: ChildProcess;
  /** The last few KB of its output, to tell why it died. */
  tail: () => string;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

/** The api and two workers, each its own process, on their own database and queue prefix. */
class Stack {
  readonly procs: Proc[] = [];
  private constructor(
    readonly url: string,
    readonly database: TestDatabase,
    private readonly env: Record<string, string>,
  ) {}

  static async start(postgresServer: string, redisUrl: string): Promise<Stack> {
    const database = await createTestDatabase({ server: postgresServer });
    const port = await freePort();
    const env: Record<string, string> = {
      REDIS_URL: redisUrl,
      DATABASE_URL: database.url,
      BATON_QUEUE_PREFIX: `t${randomUUID().slice(0, 8)}`,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      RECONCILE_EVERY_MS: '500',
      WORKER_CONCURRENCY: '20',
      WORKER_LOCK_MS: '5000',
      SHUTDOWN_GRACE_MS: '1000',
      DB_POOL_SIZE: '4',
    };
    const stack = new Stack(`http://127.0.0.1:${port}`, database, env);
    stack.spawn('worker-1', '../../../worker/dist/main.js');
    stack.spawn('worker-2', '../../../worker/dist/main.js');
    stack.spawn('api', '../../../api/dist/main.js');
    try {
      await waitFor(async () => {
        stack.assertAlive();
        const agents = await get(stack.url, '/v1/agents').catch(() => undefined);
        return agents?.status === 200 && agents.body.items.some((a: { name: string; workers: number }) => a.name === 'delay' && a.workers === 2);
      }, 90_000, 'the api and the two workers did not start'); // three node processes loading at once may be slow on a busy machine
    } catch (err) {
      const output = stack.procs.map((p) => `${p.name}:\n${p.tail()}`).join('\n');
      await stack.close();
      throw new Error(`${String(err)}\n${output}`);
    }
    return stack;
  }

  private spawn(name: string, script: string): void {
    const env = { ...process.env, ...this.env };
    delete env.BATON_ADMIN_KEY;
    const child = spawn(process.execPath, [join(__dirname, script)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-6000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const proc: Proc = { name, child, tail: () => output };
    child.once('exit', (code, signal) => (proc.exit = { code, signal }));
    this.procs.push(proc);
  }

  /** Every process that exited, with the end of its output. */
  dead(): string[] {
    return this.procs.filter((p) => p.exit).map((p) => `${p.name} exited (code ${p.exit!.code}, signal ${p.exit!.signal}):\n${p.tail()}`);
  }

  /** Throws at once when a process died: waiting for an answer from it would only time out. */
  assertAlive(): void {
    const dead = this.dead();
    if (dead.length > 0) throw new Error(`a process died:\n${dead.join('\n')}`);
  }

  async close(): Promise<void> {
    await Promise.all(this.procs.filter((p) => !p.exit).map((p) => new Promise<void>((resolve) => {
      const force = setTimeout(() => p.child.kill('SIGKILL'), 5000);
      p.child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      p.child.kill('SIGTERM');
    })));
    await this.database.drop();
  }
}

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read answers freely
  retryAfter: string | null;
}

async function request(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, retryAfter: res.headers.get('retry-after') };
}

const get = (base: string, path: string) => request(base, 'GET', path);

/** What the submitters saw, by phase. */
class Tally {
  phase: Phase = 'before';
  readonly accepted: string[] = [];
  readonly statuses: Record<Phase, Record<number, number>> = { before: {}, outage: {}, after: {} };
  /** Answers that are neither 202 nor a well-formed 503, and requests that got no answer at all. */
  readonly wrong: string[] = [];

  record(answer: Answer): void {
    const counts = this.statuses[this.phase];
    counts[answer.status] = (counts[answer.status] ?? 0) + 1;
    if (answer.status === 202) this.accepted.push(answer.body.id as string);
    else if (answer.status !== 503 || answer.body?.error?.code !== 'UNAVAILABLE' || !answer.retryAfter) {
      this.wrong.push(`${this.phase}: ${answer.status} retry-after=${answer.retryAfter} ${JSON.stringify(answer.body).slice(0, 300)}`);
    }
  }
}

/** `SUBMITTERS` loops, each submitting the next run as soon as the last one is answered, until `stop()`. */
function submitAtFullSpeed(stack: Stack, tally: Tally): { stop(): Promise<void> } {
  let running = true;
  let n = 0;
  const loops = Array.from({ length: SUBMITTERS }, async () => {
    while (running) {
      try {
        tally.record(await request(stack.url, 'POST', '/v1/runs', { workflow: chain, input: { n: n++ } }));
      } catch (err) {
        // A reset or refused connection means the api died or dropped a request: never acceptable.
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? '';
        tally.wrong.push(`${tally.phase}: no answer (${String(err)} ${cause})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Waits until no run is queued or running, then returns every run's status by id. */
async function settledRuns(stack: Stack, timeoutMs: number): Promise<Map<string, string>> {
  await waitFor(async () => {
    stack.assertAlive();
    const [queued, running] = await Promise.all([get(stack.url, '/v1/runs?status=queued&limit=1'), get(stack.url, '/v1/runs?status=running&limit=1')]);
    return queued.status === 200 && running.status === 200 && queued.body.items.length === 0 && running.body.items.length === 0;
  }, timeoutMs, 'runs were still queued or running');
  const statuses = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await get(stack.url, `/v1/runs?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(page.status).toBe(200);
    for (const run of page.body.items as Array<{ id: string; status: string }>) statuses.set(run.id, run.status);
    cursor = page.body.nextCursor as string | undefined;
  } while (cursor);
  return statuses;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let pg: Awaited<ReturnType<typeof startPostgres>>;
let redis: Awaited<ReturnType<typeof startRedis>>;

beforeAll(async () => {
  pg = await startPostgres();
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
  pg?.destroy();
});

/**
 * Starts the stack, submits at full speed, runs `outage` (which takes a dependency away and brings
 * it back) in the middle, then checks: every process alive, every accepted run succeeded, 503s
 * (never 500s, never dropped connections) while the dependency was away.
 */
async function underLoad(outage: (tally: Tally) => Promise<void>): Promise<void> {
  const stack = await Stack.start(pg.url, redis.url);
  try {
    const tally = new Tally();
    const load = submitAtFullSpeed(stack, tally);
    try {
      await sleep(1500);
      await outage(tally);
      tally.phase = 'after';
      await waitFor(async () => {
        stack.assertAlive();
        return (await get(stack.url, '/readyz').catch(() => undefined))?.status === 200;
      }, 20_000, 'the api did not become ready again');
      await waitFor(() => {
        stack.assertAlive();
        return (tally.statuses.after[202] ?? 0) >= 20;
      }, 20_000, 'no submission was accepted after the dependency came back');
    } finally {
      await load.stop();
    }
    expect(stack.dead()).toEqual([]);
    expect(tally.wrong).toEqual([]);
    expect(tally.statuses.before[202]).toBeGreaterThan(0);
    expect(tally.statuses.outage[503]).toBeGreaterThan(0);

    const runs = await settledRuns(stack, 45_000);
    const notSucceeded = tally.accepted.filter((id) => runs.get(id) !== 'succeeded').map((id) => `${id}: ${runs.get(id)}`);
    expect(notSucceeded).toEqual([]);
    expect(stack.dead()).toEqual([]);
  } finally {
    await stack.close();
  }
}

/** Keeps the dependency away for a while, so submissions meet it down. */
const OUTAGE_MS = 2000;

test('Postgres fast stop and start under load: every process stays up, every accepted run succeeds', async () => {
  await underLoad(async (tally) => {
    tally.phase = 'outage';
    await pg.stopAsync('fast');
    await sleep(OUTAGE_MS);
    await pg.startAsync();
  });
});

test('Postgres immediate stop (a crash) and start under load: every process stays up, every accepted run succeeds', async () => {
  await underLoad(async (tally) => {
    tally.phase = 'outage';
    await pg.stopAsync('immediate');
    await sleep(OUTAGE_MS);
    await pg.startAsync();
  });
});

test('Redis SHUTDOWN NOSAVE and start under load: every process stays up, every accepted run succeeds', async () => {
  await underLoad(async (tally) => {
    tally.phase = 'outage';
    await redis.shutdown();
    await sleep(OUTAGE_MS);
    await redis.start();
  });
});
