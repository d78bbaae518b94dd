import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BullmqStepQueue, parseTraceparent, runTraceId, runTraceparent, stepJobId } from '@baton/queue';
import { BatonHarness } from '../testing/baton-harness';
import { waitFor } from '../testing/ephemeral-services';

// A custom agent in a project of its own (examples/custom-agent), built with its own tsconfig and
// served by a built worker process through BATON_AGENT_MODULES, as its README says.

jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '../../../..');
const WORKER = join(ROOT, 'apps/worker/dist/main.js');
const MODULE = './examples/custom-agent/dist/index.js';

/** Spawns a built worker in the repository root; its stderr is kept. */
function spawnWorker(env: Record<string, string>): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [WORKER], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, stderr: () => stderr, exited };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

beforeAll(() => {
  // The example's own build: its tsconfig, the SDK through its package.json.
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'examples/custom-agent/tsconfig.json')], { stdio: 'pipe' });
});

test('a worker loads the example through BATON_AGENT_MODULES, with its config, and runs it in a workflow submitted over HTTP', async () => {
  const baton = await BatonHarness.start({ workers: 0 });
  const metricsPort = await freePort();
  const worker = spawnWorker({
    ...baton.env,
    BATON_AGENT_MODULES: MODULE,
    // Without it "dog" would come first (the default stop words are articles and the like).
    BATON_AGENT_CONFIG: JSON.stringify({ 'word-count': { stopWords: ['the', 'dog'] } }),
    METRICS_PORT: String(metricsPort),
    // The trace is read back from the jobs in BullMQ: the second step must have one, not run eagerly.
    BATON_EAGER_DISPATCH: 'off',
  });
  const queue = new BullmqStepQueue({ connection: baton.redis, prefix: baton.prefix });
  try {
    await waitFor(async () => {
      const agents = await baton.request('GET', '/v1/agents');
      return agents.body.items.some((a: { name: string; workers: number }) => a.name === 'word-count' && a.workers > 0);
    }, 20_000, `the worker did not register word-count: ${worker.stderr()}`);

    const id = await baton.submit(
      {
        name: 'count-words',
        steps: [
          { id: 'count', agent: 'word-count', input: { text: '{{ $input.text }}', top: 2 } },
          { id: 'report', agent: 'echo', needs: ['count'], input: { most: '{{ $steps.count.output.top[0].word }}' } },
        ],
      },
      { text: 'The quick fox jumps over the lazy dog; the dog sleeps.' },
    );
    const run = await baton.waitFor(id, { timeoutMs: 20_000 });
    expect([run.status, run.error]).toEqual(['succeeded', undefined]);
    expect(run.steps.find((s) => s.id === 'count')?.output).toEqual({ words: 11, distinct: 8, top: [{ word: 'fox', count: 1 }, { word: 'jumps', count: 1 }] });
    expect(run.steps.find((s) => s.id === 'report')?.output).toEqual({ most: 'fox' });

    // The run is one trace: its first job's parent is the run's root; the next job's parent is the
    // span of the first step, which the worker began (not the root, as a job enqueued blind would have).
    const count = await queue.queue('word-count').getJob(stepJobId(id, 'count', 1));
    const report = await queue.queue('echo').getJob(stepJobId(id, 'report', 1));
    expect(count?.data.traceparent).toBe(runTraceparent(id));
    expect(parseTraceparent(report?.data.traceparent)).toEqual({ traceId: runTraceId(id), spanId: expect.stringMatching(/^[0-9a-f]{16}$/), flags: '01' });
    expect(report?.data.traceparent).not.toBe(runTraceparent(id));

    // Its metrics can be scraped, the time the steps waited in their queues among them.
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^baton_steps_total\{agent="word-count",status="succeeded"\} 1$/m);
    expect(metrics).toMatch(/^baton_step_queue_wait_seconds_count\{agent="word-count"\} 1$/m);
    expect(metrics).toMatch(/^baton_step_queue_wait_seconds_count\{agent="echo"\} 1$/m);
  } finally {
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    await queue.close();
    await baton.close();
  }
});

describe('a worker whose agents cannot be served stops at start-up, saying why', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-bad-agents-'));
    writeFileSync(join(dir, 'helper.js'), `exports.wordCount = require(${JSON.stringify(join(ROOT, 'examples/custom-agent/dist/word-count.js'))}).wordCount;\nexports.limit = 3;\n`);
    writeFileSync(join(dir, 'again.js'), `exports.again = require(${JSON.stringify(join(ROOT, 'examples/custom-agent/dist/word-count.js'))}).wordCount;\n`);
    writeFileSync(join(dir, 'throws.js'), `throw new Error('API_TOKEN is not set');\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each<[string, Record<string, string>, string]>([
    ['a module that cannot be found', { BATON_AGENT_MODULES: './examples/custom-agent/dist/missing.js' }, 'worker not started: agent module "./examples/custom-agent/dist/missing.js" cannot be found from'],
    ['a path written as a package name', { BATON_AGENT_MODULES: 'examples/custom-agent/dist/index.js' }, 'to load the path, write "./examples/custom-agent/dist/index.js"'],
    ['a module that throws', { BATON_AGENT_MODULES: 'THROWS' }, 'failed to load: API_TOKEN is not set'],
    ['an export that is not an agent', { BATON_AGENT_MODULES: 'HELPER' }, 'export "limit" is not an agent made with defineAgent (it is a number)'],
    ['an agent named like another', { BATON_AGENT_MODULES: `${MODULE},AGAIN` }, 'agent "word-count" of module "AGAIN" is defined already by module "./examples/custom-agent/dist/index.js"'],
    ['an unknown agent in WORKER_AGENTS', { BATON_AGENT_MODULES: MODULE, WORKER_AGENTS: 'word-count,wordcount' }, 'worker not started: unknown agents in WORKER_AGENTS: wordcount'],
    ['a config the agent refuses', { BATON_AGENT_MODULES: MODULE, BATON_AGENT_CONFIG: '{"word-count":{"stopWords":"the"}}' }, 'worker not started: invalid config for agent "word-count": stopWords: Expected array, received string (BATON_AGENT_CONFIG)'],
  ])('%s', async (_what, env, message) => {
    const paths = (text: string) => text.replace('THROWS', join(dir, 'throws.js')).replace('HELPER', join(dir, 'helper.js')).replace('AGAIN', join(dir, 'again.js'));
    const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, paths(v)]));
    const worker = spawnWorker({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1', METRICS_PORT: '0', LOG_LEVEL: 'error', ...resolved });
    expect(await worker.exited).toBe(1);
    expect(worker.stderr()).toContain(paths(message));
    expect(worker.stderr()).not.toMatch(/\n\s+at /); // a message, not a stack
  });
});
