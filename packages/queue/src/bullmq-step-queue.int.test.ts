import { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { BullmqStepQueue } from './bullmq-step-queue';
import { createRedis, redisReady } from './create-redis';
import { queueName } from './queue-name';
import type { StepJob } from './step-job';
import { stepJobId } from './step-job-id';
import { deleteKeys, eventually, REDIS_URL, testPrefix } from './test-redis';
import { runTraceparent } from './traceparent';

const job = (over: Partial<StepJob> = {}): StepJob => ({
  runId: 'run-1',
  key: 'classify',
  attempt: 1,
  agent: 'echo',
  input: { text: 'hi' },
  context: { lang: 'en' },
  ...over,
});

describe('BullmqStepQueue', () => {
  let prefix: string;
  let client: Redis;
  let workerRedis: Redis;
  let queue: BullmqStepQueue;
  const workers: Worker[] = [];

  beforeEach(async () => {
    prefix = testPrefix();
    client = createRedis(REDIS_URL, 'client');
    workerRedis = createRedis(REDIS_URL, 'worker');
    queue = new BullmqStepQueue({ connection: client, prefix });
    await redisReady(client);
  });

  afterEach(async () => {
    try {
      await Promise.all(workers.splice(0).map((w) => w.close()));
      await queue.close();
      await deleteKeys(workerRedis, prefix);
    } finally {
      client.disconnect();
      workerRedis.disconnect();
    }
  });

  const consume = (agent: string, seen: Array<Job<StepJob>>): Worker => {
    const worker = new Worker<StepJob>(queueName(agent), async (j) => void seen.push(j), { connection: workerRedis, prefix, concurrency: 1 });
    worker.on('error', () => undefined);
    workers.push(worker);
    return worker;
  };

  it('enqueues jobs a BullMQ worker consumes with their data, id and options', async () => {
    const traced = job({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tenant: 't1', timeoutMs: 500 });
    await queue.enqueue([{ job: traced, priority: 5, delayMs: 0 }]);
    const seen: Array<Job<StepJob>> = [];
    consume('echo', seen);
    await eventually(() => seen.length === 1);
    const [consumed] = seen as [Job<StepJob>];
    expect(consumed.id).toBe(stepJobId('run-1', 'classify', 1));
    expect(consumed.name).toBe('classify');
    expect(consumed.data).toEqual(traced);
    expect(consumed.opts).toMatchObject({ attempts: 1, priority: 6, removeOnComplete: { age: 3600, count: 1000 }, removeOnFail: { age: 86400, count: 5000 } });
  });

  it("gives every job a traceparent: traceparentOf's when valid, else its own when valid, else its run's root", async () => {
    const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01';
    const traced = new BullmqStepQueue({ connection: client, prefix, traceparentOf: (j) => (j.runId === 'child-of' ? parent : j.runId === 'junk' ? 'junk' : undefined) });
    try {
      const own = '00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-2222222222222222-00';
      await traced.enqueue([
        { job: job({ runId: 'own', traceparent: own }), priority: 5, delayMs: 0 },
        { job: job({ runId: 'child-of' }), priority: 5, delayMs: 0 },
        { job: job({ runId: 'child-of', key: 'own', traceparent: own }), priority: 5, delayMs: 0 },
        { job: job({ runId: 'junk', key: 'own', traceparent: own }), priority: 5, delayMs: 0 },
        { job: job({ runId: 'child-of', key: 'bad', traceparent: 'not one' }), priority: 5, delayMs: 0 },
        { job: job({ runId: 'junk' }), priority: 5, delayMs: 0 },
        { job: job({ runId: '0f8d2b84-3c1e-4c55-9a4b-2e1d6c7f8a90' }), priority: 5, delayMs: 0 },
      ]);
      const stored = async (runId: string, key = 'classify') => (await traced.queue('echo').getJob(stepJobId(runId, key, 1)))?.data.traceparent;
      expect(await stored('own')).toBe(own);
      expect(await stored('child-of')).toBe(parent);
      expect(await stored('child-of', 'bad')).toBe(parent);
      expect(await stored('child-of', 'own')).toBe(parent);
      expect(await stored('junk', 'own')).toBe(own);
      expect(await stored('junk')).toBe(runTraceparent('junk'));
      expect(await stored('0f8d2b84-3c1e-4c55-9a4b-2e1d6c7f8a90')).toMatch(/^00-0f8d2b843c1e4c559a4b2e1d6c7f8a90-[0-9a-f]{16}-01$/);
    } finally {
      await traced.close();
    }
  });

  it('groups by agent queue', async () => {
    await queue.enqueue([
      { job: job({ key: 'a', agent: 'echo' }), priority: 5, delayMs: 0 },
      { job: job({ key: 'b', agent: 'delay' }), priority: 5, delayMs: 0 },
      { job: job({ key: 'c', agent: 'echo' }), priority: 5, delayMs: 0 },
    ]);
    expect(await queue.queue('echo').getJobCountByTypes('prioritized')).toBe(2);
    expect(await queue.queue('delay').getJobCountByTypes('prioritized')).toBe(1);
  });

  it('runs more urgent jobs first, the default priority included', async () => {
    await queue.enqueue([
      { job: job({ key: 'p5' }), priority: 5, delayMs: 0 },
      { job: job({ key: 'p1' }), priority: 1, delayMs: 0 },
      { job: job({ key: 'p10' }), priority: 10, delayMs: 0 },
      { job: job({ key: 'p5b' }), priority: 5, delayMs: 0 },
    ]);
    const seen: Array<Job<StepJob>> = [];
    consume('echo', seen);
    await eventually(() => seen.length === 4);
    expect(seen.map((j) => j.data.key)).toEqual(['p10', 'p5', 'p5b', 'p1']);
  });

  it('delays a job by delayMs', async () => {
    const started = Date.now();
    await queue.enqueue([{ job: job(), priority: 5, delayMs: 300 }]);
    const id = stepJobId('run-1', 'classify', 1);
    expect((await queue.jobStates({ echo: [id] })).get(id)).toBe('delayed');
    const seen: Array<Job<StepJob>> = [];
    consume('echo', seen);
    await eventually(() => seen.length === 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(seen[0]?.opts.delay).toBe(300);
  });

  it('creates one job when the same attempt is enqueued twice', async () => {
    await queue.enqueue([
      { job: job(), priority: 5, delayMs: 0 },
      { job: job(), priority: 5, delayMs: 0 },
    ]);
    await queue.enqueue([{ job: job({ input: 'other' }), priority: 9, delayMs: 0 }]);
    expect(await queue.queue('echo').count()).toBe(1);
    expect((await queue.queue('echo').getJob(stepJobId('run-1', 'classify', 1)))?.data.input).toEqual({ text: 'hi' });
    await queue.enqueue([{ job: job({ attempt: 2 }), priority: 5, delayMs: 0 }]);
    expect(await queue.queue('echo').count()).toBe(2);
  });

  it('accepts keys holding :, [, ] and >', async () => {
    const keys = ['notify[3]', 'classify>handoff:1', 'notify[3]>handoff:2'];
    await queue.enqueue(keys.map((key) => ({ job: job({ key }), priority: 5, delayMs: 0 })));
    const seen: Array<Job<StepJob>> = [];
    consume('echo', seen);
    await eventually(() => seen.length === 3);
    expect(seen.map((j) => j.data.key).sort()).toEqual([...keys].sort());
    expect(seen.map((j) => j.id).sort()).toEqual(keys.map((key) => stepJobId('run-1', key, 1)).sort());
  });

  it('reports the state of each job, undefined for those Redis does not hold', async () => {
    await queue.enqueue([
      { job: job({ key: 'a' }), priority: 5, delayMs: 0 },
      { job: job({ key: 'b' }), priority: 5, delayMs: 0 },
      { job: job({ key: 'c', agent: 'delay' }), priority: 5, delayMs: 1000 },
    ]);
    const [a, b, c, never] = ['a', 'b', 'c', 'never'].map((key) => stepJobId('run-1', key, 1)) as [string, string, string, string];
    expect(await queue.removeJob('echo', b)).toBe(true);
    expect(await queue.removeJob('echo', b)).toBe(true); // already gone
    const states = await queue.jobStates(new Map([['echo', [a, b, never]], ['delay', [c]]]));
    expect(Object.fromEntries(states)).toEqual({ [a]: 'prioritized', [b]: undefined, [never]: undefined, [c]: 'delayed' });
    expect((await queue.jobStates({ echo: [] })).size).toBe(0);
  });

  it('does not remove a job a worker is running', async () => {
    await queue.enqueue([{ job: job(), priority: 5, delayMs: 0 }]);
    const id = stepJobId('run-1', 'classify', 1);
    let release = (): void => undefined;
    const running = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    const worker = new Worker<StepJob>(queueName('echo'), async (j) => {
      started.push(j.id ?? '');
      await running;
    }, { connection: workerRedis, prefix });
    worker.on('error', () => undefined);
    workers.push(worker);
    await eventually(() => started.length === 1);
    expect(await queue.removeJob('echo', id)).toBe(false);
    expect((await queue.jobStates({ echo: [id] })).get(id)).toBe('active');
    release();
    await eventually(async () => (await queue.jobStates({ echo: [id] })).get(id) === 'completed');
  });

  it('does nothing for an empty batch and refuses use after close', async () => {
    await queue.enqueue([]);
    await queue.close();
    await queue.close();
    expect(() => queue.queue('echo')).toThrow(/closed/);
  });

  it('rejects a priority outside 1..10 before touching Redis', async () => {
    await expect(queue.enqueue([{ job: job(), priority: 0, delayMs: 0 }])).rejects.toThrow(RangeError);
    expect(await client.keys(`${prefix}:*`)).toEqual([]);
  });
});
