import type { Redis } from 'ioredis';
import { bullmqPriority } from './bullmq-step-queue';
import { DEFAULT_PREFIX, queueName } from './queue-name';

/**
 * Takes the leases of some jobs of one queue, unless BullMQ would not hand them out now: the queue
 * is paused, has a fleet-wide concurrency limit, or holds a more urgent job. Atomic with those checks.
 * KEYS: meta, prioritized, then one lease key per job. ARGV: lease ms, owner, then each job's BullMQ priority.
 * Answers the 1-based positions of the jobs it leased.
 */
const TAKE = `
if redis.call('HEXISTS', KEYS[1], 'paused') == 1 or redis.call('HEXISTS', KEYS[1], 'concurrency') == 1 then return {} end
local top = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local waiting = nil
if top[2] then waiting = math.floor(tonumber(top[2]) / 0x100000000) end
local taken = {}
for i = 3, #KEYS do
  if waiting == nil or tonumber(ARGV[i]) <= waiting then
    redis.call('SET', KEYS[i], ARGV[2], 'PX', ARGV[1])
    taken[#taken + 1] = i - 2
  end
end
return taken
`;

const TAKE_COMMAND = 'batonTakeEagerLeases';

export interface EagerLeaseOptions {
  /** Borrowed, never closed. */
  connection: Redis;
  /** @defaultValue `'baton'` */
  prefix?: string;
  /** How long a lease lasts without a renewal (`WORKER_LOCK_MS`, as BullMQ's job lock). @defaultValue 5000 */
  leaseMs?: number;
}

/** One step job run at once by the worker whose commit made it ready, without a BullMQ job. */
export interface EagerJob {
  agent: string;
  jobId: string;
  /** Baton's 1..10. */
  priority: number;
}

type TakeCommand = (...args: Array<string | number>) => Promise<number[]>;

/**
 * The Redis side of eager dispatch: a job a worker runs at once, without BullMQ, holds a lease
 * (`<prefix>:agent.<name>:<jobId>:eager`, expiring after `leaseMs` unless renewed), so that the
 * reconciler counts it as held, as it counts an active BullMQ job, and re-enqueues it once its
 * worker died and the lease lapsed. Leases live in the agent queue's key space (one hash slot in a
 * Redis Cluster with a `{prefix}`).
 */
export class EagerLeases {
  private readonly connection: Redis;
  private readonly prefix: string;
  private readonly leaseMs: number;

  constructor(options: EagerLeaseOptions) {
    this.connection = options.connection;
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.leaseMs = options.leaseMs ?? 5000;
  }

  /**
   * Leases the jobs of one agent that BullMQ would hand out now (see {@link TAKE}); answers, per
   * job, whether it is leased to `owner`. Unleased jobs belong on the BullMQ queue.
   */
  async take(agent: string, jobs: readonly EagerJob[], owner: string): Promise<boolean[]> {
    if (jobs.length === 0) return [];
    const keys = [this.queueKey(agent, 'meta'), this.queueKey(agent, 'prioritized'), ...jobs.map((j) => this.leaseKey(agent, j.jobId))];
    const taken = await this.takeCommand()(keys.length, ...keys, this.leaseMs, owner, ...jobs.map((j) => bullmqPriority(j.priority)));
    const leased = new Set(taken);
    return jobs.map((_, i) => leased.has(i + 1));
  }

  /** Extends the leases of the jobs still running and drops those of the jobs that finished, in one round trip. */
  async renew(running: readonly Omit<EagerJob, 'priority'>[], finished: readonly Omit<EagerJob, 'priority'>[]): Promise<void> {
    if (running.length === 0 && finished.length === 0) return;
    const pipeline = this.connection.pipeline();
    for (const j of running) pipeline.pexpire(this.leaseKey(j.agent, j.jobId), this.leaseMs);
    for (const j of finished) pipeline.del(this.leaseKey(j.agent, j.jobId));
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }

  /** Whether each job holds a live lease. */
  async held(jobs: readonly Omit<EagerJob, 'priority'>[]): Promise<boolean[]> {
    if (jobs.length === 0) return [];
    const pipeline = this.connection.pipeline();
    for (const j of jobs) pipeline.exists(this.leaseKey(j.agent, j.jobId));
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, n]) => {
      if (err) throw err;
      return n === 1;
    });
  }

  /**
   * Whether no BullMQ delivery holds the job's lock: false once the reconciler enqueued it again
   * (its lease lapsed) and another worker runs it. An eager run's result is fenced out then, as a
   * BullMQ delivery's is when another holds its lock.
   */
  async unclaimed(agent: string, jobId: string): Promise<boolean> {
    return (await this.connection.get(`${this.queueKey(agent, jobId)}:lock`)) === null;
  }

  private leaseKey(agent: string, jobId: string): string {
    return `${this.queueKey(agent, jobId)}:eager`;
  }

  private queueKey(agent: string, suffix: string): string {
    return `${this.prefix}:${queueName(agent)}:${suffix}`;
  }

  private takeCommand(): TakeCommand {
    const commands = this.connection as unknown as Record<string, TakeCommand | undefined>;
    if (!commands[TAKE_COMMAND]) this.connection.defineCommand(TAKE_COMMAND, { lua: TAKE });
    return (commands[TAKE_COMMAND] as TakeCommand).bind(this.connection);
  }
}
