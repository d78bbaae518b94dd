// The built `baton` CLI (apps/cli/dist/main.js) against a live Baton (api and worker, real Redis and
// Postgres): config, submission, --watch (piped, and on a terminal under tmux), validate, runs,
// show, cancel, retry, signal, templates push, keys, the operators' controls (pause, resume,
// rerun, fork, templates and agents pause|resume, bulk), errors and exit codes.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BatonHarness } from '../testing/baton-harness';
import { waitFor } from '../testing/ephemeral-services';

jest.setTimeout(120_000);

const CLI = join(__dirname, '../../../cli/dist/main.js');
const ADMIN = 'cli-test-admin-key-of-32-characters!';
let baton: BatonHarness;
let dir: string;

interface Result { code: number; stdout: string; stderr: string }

/** Runs the built binary, as a script would (no terminal), with its own HOME and no config file unless given. */
function cli(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH!, HOME: join(dir, 'home'), BATON_URL: baton.url, BATON_API_KEY: ADMIN, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end(stdin ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a run as the api answers it, read freely
type RunView = Record<string, any>;

/** The api, as the admin (the harness's own helpers send no credentials). */
async function api(method: string, path: string, body?: unknown): Promise<RunView> {
  const res = await fetch(`${baton.url}${path}`, { method, headers: { 'x-api-key': ADMIN, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = (await res.json()) as RunView;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(answer)}`);
  return answer;
}
const submit = async (workflow: unknown): Promise<string> => (await api('POST', '/v1/runs', { workflow })).id as string;
async function settled(id: string, status?: string): Promise<RunView> {
  let run: RunView = {};
  await waitFor(async () => {
    run = await api('GET', `/v1/runs/${id}`);
    return status ? run.status === status : ['succeeded', 'failed', 'cancelled'].includes(run.status as string);
  }, 20_000, `run ${id} did not get there`);
  return run;
}

const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const HELLO = `name: hello
steps:
  - id: greet
    agent: echo
    input: { text: "hi {{ $input.who }}" }
  - id: pause
    agent: delay
    needs: [greet]
    input: { ms: 300 }
  - id: shout
    agent: transform
    needs: [greet]
    input: { expression: "$uppercase(text)", data: "{{ $steps.greet.output }}" }
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-cli-'));
  mkdirSync(join(dir, 'home'));
  baton = await BatonHarness.start({ env: { BATON_ADMIN_KEY: ADMIN, BATON_KEY_PEPPER: 'a-pepper-for-the-cli-tests-of-32-chars' } });
});

afterAll(async () => {
  await baton?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('configuration', () => {
  it('reads the url and key from $XDG_CONFIG_HOME/baton/config.json, the environment winning over it', async () => {
    const xdg = join(dir, 'xdg');
    mkdirSync(join(xdg, 'baton'), { recursive: true });
    writeFileSync(join(xdg, 'baton', 'config.json'), JSON.stringify({ url: baton.url, apiKey: ADMIN }));
    const fromFile = await cli(['--json', 'runs'], { BATON_URL: '', BATON_API_KEY: '', XDG_CONFIG_HOME: xdg });
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toHaveProperty('items');
    // ~/.config when XDG_CONFIG_HOME is not set.
    mkdirSync(join(dir, 'home2', '.config', 'baton'), { recursive: true });
    writeFileSync(join(dir, 'home2', '.config', 'baton', 'config.json'), JSON.stringify({ url: baton.url, apiKey: ADMIN }));
    expect((await cli(['runs'], { BATON_URL: '', BATON_API_KEY: '', HOME: join(dir, 'home2') })).code).toBe(0);
    const wrongKey = await cli(['runs'], { BATON_API_KEY: 'not-a-key-of-anyone-at-all-0123456789', XDG_CONFIG_HOME: xdg });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/^error: .+ \(UNAUTHENTICATED, HTTP 401\)$/m);
  });

  it('says so when the api cannot be reached, or the config file is broken', async () => {
    const down = await cli(['runs'], { BATON_URL: 'http://127.0.0.1:9' });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('(UNREACHABLE)');
    const xdg = join(dir, 'broken');
    mkdirSync(join(xdg, 'baton'), { recursive: true });
    writeFileSync(join(xdg, 'baton', 'config.json'), '{ url: ');
    const broken = await cli(['runs'], { XDG_CONFIG_HOME: xdg });
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toMatch(/config\.json: not JSON/);
  });
});

describe('baton run', () => {
  it('submits a YAML file with --input, and --json answers the run', async () => {
    const workflow = file('hello.yaml', HELLO);
    const plain = await cli(['run', workflow, '--input', '{"who":"ada"}']);
    expect(plain.code).toBe(0);
    const id = /^run ([0-9a-f-]{36}) queued$/m.exec(plain.stdout)?.[1];
    expect(id).toBeDefined();
    expect((await settled(id!)).output).toBeDefined();
    const input = file('input.json', '{ "who": "grace" }');
    const json = await cli(['--json', 'run', workflow, '--input', `@${input}`, '--priority', '9']);
    const submitted = JSON.parse(json.stdout) as { id: string; status: string };
    expect((await settled(submitted.id)).status).toBe('succeeded');
    expect((await api('GET', `/v1/runs/${submitted.id}`)).input).toEqual({ who: 'grace' });
  });

  it('--watch without a terminal prints a line per step change, then the output, and exits 0', async () => {
    const res = await cli(['run', file('watch.yaml', HELLO), '--input', '{"who":"bob"}', '--watch']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/✓ greet\s+succeeded\s+attempt 1\s+\d+ms/);
    expect(res.stdout).toMatch(/✓ pause\s+succeeded\s+attempt 1\s+\d/);
    expect(res.stdout).toMatch(/3\/3 steps\s+succeeded/);
    expect(res.stdout).toContain('"shout": "HI BOB"');
    // No colour when not on a terminal.
    expect(res.stdout).not.toContain('\x1b[');
  });

  it('--watch exits 1 for a run that fails, naming the error', async () => {
    const failing = file('failing.yaml', 'name: failing\nsteps:\n  - id: boom\n    agent: fail\n    input: { message: kaput }\n    retry: { attempts: 2 }\n');
    const res = await cli(['run', failing, '--watch']);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/✗ boom\s+failed\s+attempt 2/);
    expect(res.stdout).toMatch(/run failed: .*kaput/);
    const json = await cli(['--json', 'run', failing, '--watch']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'failed' });
  });

  it('refuses a bad --input and a missing file without calling the api (exit 2), and shows the api\'s problems', async () => {
    expect(await cli(['run', file('x.yaml', HELLO), '--input', '{nope'])).toMatchObject({ code: 2, stderr: 'error: --input: not JSON (give JSON text, @file, or - for standard input)\n' });
    expect(await cli(['run', join(dir, 'missing.yaml')])).toMatchObject({ code: 2, stderr: `error: ${join(dir, 'missing.yaml')}: no such file\n` });
    const bad = await cli(['run', file('bad-input.yaml', 'name: typed\ninput: { type: object, required: [n], properties: { n: { type: integer } } }\nsteps:\n  - id: a\n    agent: echo\n'), '--input', '{"n":"x"}']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: .+ \(VALIDATION_FAILED, HTTP 400\)\n {2}input\.n: /);
    const unknownTemplate = await cli(['run', 'no-such-template']);
    expect(unknownTemplate).toMatchObject({ code: 1 });
    expect(unknownTemplate.stderr).toContain('(TEMPLATE_NOT_FOUND, HTTP 404)');
  });
});

describe('baton run --watch on a terminal', () => {
  const socket = `baton-cli-${process.pid}`;
  const tmux = (...args: string[]) => promisify(execFile)('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  afterAll(async () => {
    await tmux('kill-server').catch(() => undefined); // the server of this test's own socket only
  });

  it('draws a line per step with status, attempt and duration, a progress bar, the output, and exits 0', async () => {
    const workflow = file('tty.yaml', HELLO.replace('ms: 300', 'ms: 1500'));
    const env = `HOME=${join(dir, 'home')} BATON_URL=${baton.url} BATON_API_KEY=${ADMIN}`;
    const command = `env ${env} ${process.execPath} ${CLI} run ${workflow} --input '{"who":"tty"}' --watch; echo EXIT=$?; sleep 60`;
    await tmux('new-session', '-d', '-s', 'watch', '-x', '120', '-y', '40', command);
    const screen = async () => (await tmux('capture-pane', '-p', '-t', 'watch')).stdout;
    // Mid-run: the bar, not full yet, while the delay step runs.
    await waitFor(async () => /▶ pause\s+running/.test(await screen()), 20_000, 'the delay step never showed running');
    expect(await screen()).toMatch(/[█░]{30} [12]\/3 steps\s+running/);
    await waitFor(async () => (await screen()).includes('EXIT='), 30_000, 'the CLI did not finish');
    const final = await screen();
    expect(final).toMatch(/✓ greet\s+succeeded\s+attempt 1\s+\d/);
    expect(final).toMatch(/✓ pause\s+succeeded\s+attempt 1\s+1\.\ds/);
    expect(final).toMatch(/✓ shout\s+succeeded\s+attempt 1/);
    expect(final).toMatch(/█{30} 3\/3 steps\s+succeeded/);
    expect(final).toContain('"shout": "HI TTY"');
    expect(final).toContain('EXIT=0');
    // Redrawn in place: each step is on the final screen once.
    expect(final.match(/greet/g)).toHaveLength(1);
  });

  it('colours a terminal, unless NO_COLOR is set', async () => {
    const env = `HOME=${join(dir, 'home')} BATON_URL=${baton.url} BATON_API_KEY=${ADMIN}`;
    const shown = async (session: string, extra: string): Promise<string> => {
      await tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '20', `env ${env} ${extra} ${process.execPath} ${CLI} runs --limit 3; echo DONE; sleep 60`);
      await waitFor(async () => (await tmux('capture-pane', '-p', '-t', session)).stdout.includes('DONE'), 20_000, 'baton runs did not finish');
      return (await tmux('capture-pane', '-p', '-e', '-t', session)).stdout; // -e: with the escape sequences
    };
    expect(await shown('coloured', '')).toContain('\x1b[');
    const plain = await shown('plain', 'NO_COLOR=1');
    expect(plain).toContain('STATUS');
    expect(plain).not.toContain('\x1b[');
  });
});

describe('baton validate', () => {
  it('prints every problem with its path in the file and exits 1; a good file is valid', async () => {
    const bad = file('bad.yaml', 'name: Bad Name\nsteps:\n  - id: a\n    agent: no-such-agent\n  - id: b\n    agent: echo\n    needs: [zzz]\n');
    const res = await cli(['validate', bad]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain(`${bad}: name: `);
    expect(res.stdout).toContain(`${bad}: steps[0].agent: `);
    expect(res.stdout).toContain(`${bad}: steps[1].needs[0]: `);
    const json = JSON.parse((await cli(['--json', 'validate', bad])).stdout) as { valid: boolean; problems: Array<{ path: string }> };
    expect(json.valid).toBe(false);
    expect(json.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['name', 'steps[0].agent', 'steps[1].needs[0]']));
    expect(await cli(['validate', file('good.yaml', HELLO)])).toMatchObject({ code: 0, stdout: expect.stringContaining('valid') });
  });
});

describe('runs, show, cancel, retry, signal', () => {
  it('lists runs by status, and shows a run as a tree', async () => {
    const id = await submit({ name: 'listed', steps: [{ id: 'a', agent: 'echo', input: { x: 1 } }] });
    await settled(id);
    const list = JSON.parse((await cli(['--json', 'runs', '--status', 'succeeded', '--limit', '200'])).stdout) as { items: Array<{ id: string; status: string }> };
    expect(list.items.find((r) => r.id === id)).toMatchObject({ status: 'succeeded' });
    expect(list.items.every((r) => r.status === 'succeeded')).toBe(true);
    const text = await cli(['runs', '--status', 'succeeded']);
    expect(text.stdout).toMatch(new RegExp(`^${id}\\s+succeeded\\s+listed`, 'm'));
    const bad = await cli(['runs', '--status', 'sleeping']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('status: must be one of');
  });

  it('show draws a template run as a tree of its needs, with forEach items under their step', async () => {
    const name = `tree-${Date.now()}`;
    const definition = `name: ${name}
steps:
  - id: start
    agent: echo
  - id: each
    agent: echo
    needs: [start]
    forEach: "{{ [1, 2] }}"
    input: { n: "{{ $item }}" }
  - id: left
    agent: echo
    needs: [start]
  - id: join
    agent: echo
    needs: [left, each]
`;
    const push = await cli(['templates', 'push', join(dir, 'tree')], {});
    expect(push.code).toBe(2); // no such folder yet
    mkdirSync(join(dir, 'tree'));
    writeFileSync(join(dir, 'tree', `${name}.yaml`), definition);
    expect((await cli(['templates', 'push', join(dir, 'tree')])).code).toBe(0);
    const run = await cli(['--json', 'run', name, '--watch']);
    const { id } = JSON.parse(run.stdout) as { id: string };
    const shown = await cli(['show', id]);
    expect(shown.code).toBe(0);
    const lines = shown.stdout.split('\n');
    const indent = (key: string) => lines.find((l) => l.trimStart().startsWith(`${key} `) || l.trimStart() === key)!.search(/\S/);
    expect(indent('left')).toBe(indent('start') + 2);
    expect(indent('each')).toBe(indent('start') + 2);
    expect(indent('each[0]')).toBe(indent('each') + 2);
    expect(indent('join')).toBe(indent('left') + 2);
    expect(shown.stdout).toMatch(/join\s+succeeded\s+echo.*\(also needs each\)/);
  });

  it('signal resumes a waiting step; cancel cancels; retry re-runs a failed run', async () => {
    const waiting = await submit({ name: 'gate', steps: [{ id: 'approve', agent: 'wait', input: { signal: 'go' } }], output: '{{ $steps.approve.output }}' });
    await settled(waiting, 'running');
    await waitFor(async () => (await api('GET', `/v1/runs/${waiting}`)).steps[0].status === 'waiting', 10_000, 'never waiting');
    const sent = await cli(['signal', waiting, 'go', '{"by":"ada"}']);
    expect(sent).toMatchObject({ code: 0, stdout: `signal go sent to run ${waiting}\n` });
    expect((await settled(waiting)).output).toEqual({ by: 'ada' });

    const slow = await submit({ name: 'slow', steps: [{ id: 'a', agent: 'delay', input: { ms: 20_000 } }] });
    await settled(slow, 'running');
    expect((await cli(['cancel', slow])).code).toBe(0);
    expect((await settled(slow)).status).toBe('cancelled');
    const again = await cli(['cancel', slow]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/\(RUN_FINISHED, HTTP 409\)/);

    const failed = await submit({ name: 'flaky', steps: [{ id: 'a', agent: 'fail', input: { untilAttempt: 2 } }] });
    expect((await settled(failed)).status).toBe('failed');
    const retried = JSON.parse((await cli(['--json', 'retry', failed])).stdout) as { id: string };
    expect(retried.id).toBe(failed);
    expect((await settled(failed)).status).toBe('succeeded');
  });
});

describe("operators' controls", () => {
  const TWO_STEPS = { name: 'operated', steps: [
    { id: 'slow', agent: 'delay', input: { ms: 1500, value: 'slow-done' } },
    { id: 'after', agent: 'echo', needs: ['slow'], input: { got: '{{ $steps.slow.output }}' } },
  ] };

  it('pauses and resumes a run; show says who paused it', async () => {
    // Held by a signal, so that it is still going however slowly the CLI starts.
    const id = await submit({ name: 'gated', steps: [{ id: 'gate', agent: 'wait', input: { signal: 'go' } }, { id: 'after', agent: 'echo', needs: ['gate'], input: { n: 1 } }] });
    await settled(id, 'running');
    expect(await cli(['pause', id])).toMatchObject({ code: 0, stdout: `run ${id} paused\n` });
    expect((await cli(['show', id])).stdout).toMatch(/^paused by admin-key$/m);
    expect(JSON.parse((await cli(['--json', 'runs', '--status', 'paused', '--limit', '200'])).stdout).items).toEqual(expect.arrayContaining([expect.objectContaining({ id })]));
    const resumed = await cli(['--json', 'resume', id]);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual({ id, status: 'running' });
    await waitFor(async () => (await api('GET', `/v1/runs/${id}`)).steps[0].status === 'waiting', 10_000, 'never waiting');
    expect((await cli(['signal', id, 'go'])).code).toBe(0);
    expect((await settled(id)).status).toBe('succeeded');
    const finished = await cli(['pause', id]);
    expect(finished.code).toBe(1);
    expect(finished.stderr).toMatch(/\(RUN_FINISHED, HTTP 409\)/);
  });

  it('re-runs a finished run from a step with an edited input (from a file and from standard input), and forks it', async () => {
    const id = await submit(TWO_STEPS);
    await settled(id);
    const edited = file('edited.yaml', 'got: from-a-file\n');
    expect(await cli(['rerun', id, '--from', 'after', '--input', `@${edited}`])).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^run ${id} \\w+ again from after\n$`)) });
    await waitFor(async () => (await api('GET', `/v1/runs/${id}`)).output?.after?.got === 'from-a-file', 20_000, 'the re-run did not finish');
    expect((await cli(['rerun', id, '--from', 'after', '--input', '-'], {}, '{"got":"from-stdin"}')).code).toBe(0);
    await waitFor(async () => (await api('GET', `/v1/runs/${id}`)).output?.after?.got === 'from-stdin', 20_000, 'the second re-run did not finish');
    const unknownStep = await cli(['rerun', id, '--from', 'nowhere']);
    expect(unknownStep.code).toBe(1);
    expect(unknownStep.stderr).toMatch(/\(VALIDATION_FAILED, HTTP 400\)\n {2}fromStep: no step with this id/);
    expect(await cli(['rerun', id, '--from', 'after', '--input', '{nope'])).toMatchObject({ code: 2 });
    expect((await cli(['rerun', id])).code).not.toBe(0); // --from is required

    const forked = await cli(['fork', id, '--from', 'after']);
    expect(forked.code).toBe(0);
    const forkId = new RegExp(`^run ([0-9a-f-]{36}) \\w+: a fork of ${id} from after$`, 'm').exec(forked.stdout)?.[1];
    expect(forkId).toBeDefined();
    expect(await settled(forkId!)).toMatchObject({ status: 'succeeded', forkedFrom: { id, step: 'after' }, output: { after: { got: 'slow-done' } } });
    expect((await cli(['show', forkId!])).stdout).toContain(`forked from ${id} at step after`);
    const json = JSON.parse((await cli(['--json', 'fork', id, '--from', 'after', '--input', '{"got":"forked"}'])).stdout) as { id: string; links: { self: string } };
    expect(json.links.self).toBe(`/v1/runs/${json.id}`);
    expect((await settled(json.id)).output).toEqual({ after: { got: 'forked' } });
    expect(await cli(['fork', id, '--from', 'after', '--version', 'two'])).toMatchObject({ code: 2, stderr: 'error: --version: a whole number from 1\n' });
    const noTemplate = await cli(['fork', id, '--from', 'after', '--version', '2']);
    expect(noTemplate.code).toBe(1);
    expect(noTemplate.stderr).toContain('(VALIDATION_FAILED, HTTP 400)');
  });

  it('pauses a template (its new runs wait) and resumes it with the runs it held', async () => {
    await api('PUT', '/v1/templates/held', { name: 'held', steps: [{ id: 'a', agent: 'echo', input: { n: 1 } }] });
    expect(await cli(['templates', 'pause', 'held'])).toMatchObject({ code: 0, stdout: 'template held paused\n' });
    const { id } = JSON.parse((await cli(['--json', 'run', 'held'])).stdout) as { id: string };
    await settled(id, 'paused');
    expect(await cli(['templates', 'resume', 'held'])).toMatchObject({ code: 0, stdout: 'template held resumed; 1 held run resumed\n' });
    expect((await settled(id)).status).toBe('succeeded');
    expect(JSON.parse((await cli(['--json', 'templates', 'resume', 'held'])).stdout)).toEqual({ name: 'held', paused: false, resumedRuns: 0 });
    const missing = await cli(['templates', 'pause', 'no-such-template']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('(TEMPLATE_NOT_FOUND, HTTP 404)');
  });

  it('lists agents, pauses one fleet-wide and resumes it', async () => {
    const listed = await cli(['agents']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^NAME\s+WORKERS\s+LAST SEEN\s+PAUSED$/m);
    expect(listed.stdout).toMatch(/^echo\s+\d+\s+\S+/m);
    expect(await cli(['agents', 'pause', 'transform'])).toMatchObject({ code: 0, stdout: 'agent transform paused\n' });
    expect((await cli(['agents', 'list'])).stdout).toMatch(/^transform\s+\d+\s+\S+\s+paused by admin-key at \S+ \(paused by hand\)$/m);
    const items = (JSON.parse((await cli(['--json', 'agents'])).stdout) as { items: Array<{ name: string; paused?: unknown }> }).items;
    expect(items.find((a) => a.name === 'transform')?.paused).toMatchObject({ by: 'admin-key' });
    expect(await cli(['agents', 'resume', 'transform'])).toMatchObject({ code: 0, stdout: 'agent transform resumed\n' });
    expect((await cli(['agents'])).stdout).not.toMatch(/^transform.*paused/m);
    const missing = await cli(['agents', 'pause', 'no-such-agent']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('(AGENT_NOT_FOUND, HTTP 404)');
  });

  it('bulk: starts an operation on the runs a filter matches, prints its progress, and --wait follows it to its end', async () => {
    const parked = { name: 'parked', steps: [{ id: 'hold', agent: 'wait', input: { signal: 'go' } }] };
    const ids = await Promise.all([1, 2, 3].map(() => submit(parked)));
    for (const id of ids) await settled(id, 'running');
    const paused = await cli(['bulk', 'pause', '--workflow', 'parked', '--status', 'running']);
    expect(paused.code).toBe(0);
    const opId = /^bulk pause ([0-9a-f-]{36}): \d\/3 runs done, 0 failed, (running|succeeded)$/.exec(paused.stdout.trim())?.[1];
    expect(opId).toBeDefined();
    for (const id of ids) await settled(id, 'paused');

    const cancelled = await cli(['bulk', 'cancel', '--workflow', 'parked', '--status', 'paused,running', '--wait']);
    expect(cancelled.code).toBe(0);
    const lines = cancelled.stdout.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^bulk cancel [0-9a-f-]{36}: 3\/3 runs done, 0 failed, succeeded$/);
    for (const id of ids) expect((await api('GET', `/v1/runs/${id}`)).status).toBe('cancelled');
    const json = JSON.parse((await cli(['--json', 'bulk', 'cancel', '--workflow', 'parked', '--wait'])).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ action: 'cancel', status: 'succeeded', filter: { workflow: 'parked' }, matched: 0, done: 0, failed: 0 });

    expect(await cli(['bulk', 'cancel'])).toMatchObject({ code: 2, stderr: expect.stringContaining('or --all for every run') });
    expect(await cli(['bulk', 'cancel', '--all', '--workflow', 'parked'])).toMatchObject({ code: 2, stderr: 'error: --all takes no filter\n' });
    const badAction = await cli(['bulk', 'explode', '--workflow', 'parked']);
    expect(badAction.code).toBe(1);
    expect(badAction.stderr).toMatch(/\(VALIDATION_FAILED, HTTP 400\)\n {2}action: must be one of cancel, retry, pause, resume/);
    const badTime = await cli(['bulk', 'retry', '--created-after', 'yesterday']);
    expect(badTime.stderr).toMatch(/ {2}filter\.createdAfter: must be an ISO 8601 date-time/);
  });
});

describe('templates push and keys', () => {
  it('pushes a folder: new versions, unchanged files, and a bad file (exit 1, its problems)', async () => {
    const folder = join(dir, 'templates');
    mkdirSync(folder);
    writeFileSync(join(folder, 'alpha.yaml'), 'name: alpha\nsteps:\n  - id: a\n    agent: echo\n');
    writeFileSync(join(folder, 'beta.json'), JSON.stringify({ name: 'beta', steps: [{ id: 'b', agent: 'echo' }] }));
    writeFileSync(join(folder, 'notes.txt'), 'not a template');
    const first = await cli(['templates', 'push', folder]);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('alpha.yaml: alpha version 1 stored\nbeta.json: beta version 1 stored\n');
    expect((await cli(['templates', 'push', folder])).stdout).toBe('alpha.yaml: alpha version 1 unchanged\nbeta.json: beta version 1 unchanged\n');
    writeFileSync(join(folder, 'gamma.yaml'), 'name: gamma\nsteps:\n  - id: g\n    agent: nobody\n');
    const bad = await cli(['--json', 'templates', 'push', folder]);
    expect(bad.code).toBe(1);
    const items = (JSON.parse(bad.stdout) as { items: Array<{ name: string; error?: { code: string } }> }).items;
    expect(items.find((i) => i.name === 'gamma')?.error?.code).toBe('VALIDATION_FAILED');
  });

  it('creates, lists and deletes a key; the key works until deleted', async () => {
    const created = JSON.parse((await cli(['--json', 'keys', 'create', '--name', 'ci', '--role', 'viewer'])).stdout) as { id: string; key: string };
    expect(created.key).toEqual(expect.any(String));
    expect((await cli(['runs'], { BATON_API_KEY: created.key })).code).toBe(0);
    const listed = await cli(['keys', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`^${created.id}\\s+ci\\s+viewer`, 'm'));
    expect(listed.stdout).not.toContain(created.key);
    // A viewer may not create keys: the api's code.
    const forbidden = await cli(['keys', 'create', '--name', 'x', '--role', 'admin'], { BATON_API_KEY: created.key });
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain('(FORBIDDEN, HTTP 403)');
    expect(await cli(['keys', 'delete', created.id])).toMatchObject({ code: 0, stdout: `key ${created.id} deleted\n` });
    await waitFor(async () => (await cli(['runs'], { BATON_API_KEY: created.key })).code === 1, 10_000, 'the deleted key still works');
  });
});
