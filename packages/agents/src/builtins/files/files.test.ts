import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, existsSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executeAgent, startAgent, type StartedAgent } from '@baton/agent-sdk';
import { jobOf, live, memoryLogger } from '@baton/agent-sdk/testing';
import { filesAgent } from './files';

let base: string;
let root: string;
let outside: string;
const started: StartedAgent[] = [];

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'baton-files-'));
  root = join(base, 'root');
  outside = join(base, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'top secret');
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
  rmSync(base, { recursive: true, force: true });
});

async function agentWith(config: Record<string, unknown> = { root: () => root }) {
  const resolved = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === 'function' ? (v as () => unknown)() : v]));
  const s = await startAgent(filesAgent, resolved, { logger: memoryLogger(), signal: new AbortController().signal });
  started.push(s);
  return (input: unknown) => executeAgent(filesAgent, jobOf(input), { ...live(), deps: s.deps });
}

describe('files: each operation', () => {
  it('writes, reads, stats, lists and deletes text', async () => {
    const call = await agentWith();
    expect(await call({ op: 'write', path: 'notes/today/a.txt', content: 'héllo' })).toEqual({ type: 'succeeded', output: { path: 'notes/today/a.txt', size: 6 } });
    expect(readFileSync(join(root, 'notes/today/a.txt'), 'utf8')).toBe('héllo');
    expect(await call({ op: 'read', path: './notes//today/a.txt' })).toEqual({ type: 'succeeded', output: { path: 'notes/today/a.txt', content: 'héllo', encoding: 'utf8', size: 6 } });
    expect(await call({ op: 'stat', path: 'notes/today/a.txt' })).toMatchObject({ type: 'succeeded', output: { exists: true, type: 'file', size: 6, modifiedAt: expect.any(String) } });
    expect(await call({ op: 'stat', path: 'notes/none.txt' })).toEqual({ type: 'succeeded', output: { path: 'notes/none.txt', exists: false } });
    await call({ op: 'write', path: 'notes/b.txt', content: '' });
    expect(await call({ op: 'list', path: 'notes' })).toEqual({
      type: 'succeeded',
      output: { path: 'notes', entries: [{ name: 'b.txt', type: 'file' }, { name: 'today', type: 'directory' }], truncated: false },
    });
    expect(await call({ op: 'list', path: '' })).toMatchObject({ type: 'succeeded', output: { path: '.', entries: [{ name: 'notes', type: 'directory' }] } });
    expect(await call({ op: 'stat', path: '.' })).toMatchObject({ type: 'succeeded', output: { type: 'directory' } });
    expect(await call({ op: 'delete', path: 'notes/today/a.txt' })).toEqual({ type: 'succeeded', output: { path: 'notes/today/a.txt', deleted: true } });
    expect(await call({ op: 'delete', path: 'notes/today/a.txt' })).toEqual({ type: 'succeeded', output: { path: 'notes/today/a.txt', deleted: false } });
    expect(await call({ op: 'delete', path: 'notes/today' })).toMatchObject({ type: 'succeeded', output: { deleted: true } });
    expect(existsSync(join(root, 'notes/today'))).toBe(false);
  });

  it('writes and reads base64, byte for byte', async () => {
    const call = await agentWith();
    const bytes = Buffer.from([0, 255, 1, 128, 10]);
    expect(await call({ op: 'write', path: 'bin', content: bytes.toString('base64'), encoding: 'base64' })).toMatchObject({ type: 'succeeded', output: { size: 5 } });
    expect(readFileSync(join(root, 'bin')).equals(bytes)).toBe(true);
    expect(await call({ op: 'read', path: 'bin', encoding: 'base64' })).toMatchObject({ type: 'succeeded', output: { content: bytes.toString('base64'), encoding: 'base64' } });
    expect(await call({ op: 'write', path: 'bin', content: 'not base64!', encoding: 'base64' })).toMatchObject({ type: 'failed', retryable: false });
  });

  it('replaces a file atomically, leaving no temporary file', async () => {
    const call = await agentWith();
    await call({ op: 'write', path: 'a.json', content: '{"v":1}' });
    await call({ op: 'write', path: 'a.json', content: '{"v":2}' });
    expect(readFileSync(join(root, 'a.json'), 'utf8')).toBe('{"v":2}');
    expect(readdirSync(root)).toEqual(['a.json']);
  });

  it('fails clearly on what does not exist or is the wrong kind, without retries', async () => {
    const call = await agentWith();
    mkdirSync(join(root, 'dir'));
    writeFileSync(join(root, 'dir/x'), 'x');
    expect(await call({ op: 'read', path: 'missing.txt' })).toMatchObject({ type: 'failed', error: { code: 'FILES_NOT_FOUND' }, retryable: false });
    expect(await call({ op: 'read', path: 'nodir/missing.txt' })).toMatchObject({ type: 'failed', error: { code: 'FILES_NOT_FOUND' }, retryable: false });
    expect(await call({ op: 'read', path: 'dir' })).toMatchObject({ type: 'failed', error: { message: '"dir" is a directory' }, retryable: false });
    expect(await call({ op: 'list', path: 'dir/x' })).toMatchObject({ type: 'failed', error: { message: '"dir/x" is not a directory' }, retryable: false });
    expect(await call({ op: 'delete', path: 'dir' })).toMatchObject({ type: 'failed', error: { message: '"dir" is a directory that is not empty' }, retryable: false });
    expect(await call({ op: 'write', path: 'dir', content: 'x' })).toMatchObject({ type: 'failed', retryable: false });
    expect(await call({ op: 'write', path: 'y' })).toMatchObject({ type: 'failed', error: { message: 'write needs content' }, retryable: false });
    expect(await call({ op: 'delete', path: '' })).toMatchObject({ type: 'failed', retryable: false });
  });
});

describe('files: the root', () => {
  it('refuses every step when no root is configured', async () => {
    const call = await agentWith({});
    expect(await call({ op: 'list', path: '' })).toMatchObject({ type: 'failed', error: { code: 'FILES_NOT_CONFIGURED', message: expect.stringContaining('BATON_FILES_ROOT') }, retryable: false });
  });

  it('refuses a root that does not exist at setup', async () => {
    await expect(agentWith({ root: join(base, 'nowhere') })).rejects.toThrow('cannot be resolved');
  });
});

describe('files: paths stay under the root', () => {
  it.each([
    ['../outside/secret.txt'],
    ['a/../../outside/secret.txt'],
    ['..'],
    ['a/..'],
    ['..\\outside\\secret.txt'],
  ])('refuses %p (..)', async (path) => {
    const call = await agentWith();
    for (const op of ['read', 'write', 'list', 'stat', 'delete']) {
      expect(await call({ op, path, content: 'x' })).toMatchObject({ type: 'failed', error: { code: 'FILES_PATH_REFUSED', message: expect.stringContaining('..') }, retryable: false });
    }
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
  });

  it.each(['/etc/passwd', '\\etc\\passwd', 'C:\\Windows'])('refuses the absolute path %p', async (path) => {
    const call = await agentWith();
    expect(await call({ op: 'read', path })).toMatchObject({ type: 'failed', error: { code: 'FILES_PATH_REFUSED', message: expect.stringContaining('absolute') }, retryable: false });
  });

  it('refuses a NUL byte', async () => {
    const call = await agentWith();
    expect(await call({ op: 'write', path: 'a.txt\0.png', content: 'x' })).toMatchObject({ type: 'failed', error: { code: 'FILES_PATH_REFUSED', message: 'path contains a NUL byte' }, retryable: false });
    expect(readdirSync(root)).toEqual([]);
  });

  it('refuses a symlink out of the root as the final component, for every operation', async () => {
    symlinkSync(join(outside, 'secret.txt'), join(root, 'link.txt'));
    symlinkSync(outside, join(root, 'linkdir'));
    const call = await agentWith();
    for (const op of ['read', 'write', 'stat', 'delete']) {
      expect(await call({ op, path: 'link.txt', content: 'pwned' })).toMatchObject({ type: 'failed', error: { code: 'FILES_PATH_REFUSED', message: expect.stringContaining('symlink') }, retryable: false });
    }
    expect(await call({ op: 'list', path: 'linkdir' })).toMatchObject({ type: 'failed', error: { code: 'FILES_PATH_REFUSED' }, retryable: false });
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
    expect(lstatSync(join(root, 'link.txt')).isSymbolicLink()).toBe(true);
  });

  it('refuses a symlink out of the root as a directory on the way, also when writing new directories', async () => {
    symlinkSync(outside, join(root, 'linkdir'));
    const call = await agentWith();
    for (const op of ['read', 'write', 'list', 'stat', 'delete']) {
      expect(await call({ op, path: 'linkdir/secret.txt', content: 'pwned' })).toMatchObject({ type: 'failed', error: { code: 'FILES_PATH_REFUSED', message: expect.stringContaining('symlink') }, retryable: false });
    }
    expect(await call({ op: 'write', path: 'linkdir/new/deeper.txt', content: 'pwned' })).toMatchObject({ type: 'failed', error: { code: 'FILES_PATH_REFUSED' } });
    expect(readdirSync(outside)).toEqual(['secret.txt']);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
  });

  it('refuses a dangling symlink, which could be made to lead anywhere', async () => {
    symlinkSync(join(outside, 'later.txt'), join(root, 'dangling'));
    const call = await agentWith();
    expect(await call({ op: 'write', path: 'dangling', content: 'pwned' })).toMatchObject({ type: 'failed', error: { code: 'FILES_PATH_REFUSED' }, retryable: false });
    expect(existsSync(join(outside, 'later.txt'))).toBe(false);
  });

  it('follows a symlink that stays inside the root', async () => {
    mkdirSync(join(root, 'real'));
    writeFileSync(join(root, 'real/a.txt'), 'inside');
    symlinkSync(join(root, 'real'), join(root, 'alias'));
    symlinkSync(join(root, 'real/a.txt'), join(root, 'a-link'));
    const call = await agentWith();
    expect(await call({ op: 'read', path: 'alias/a.txt' })).toMatchObject({ type: 'succeeded', output: { content: 'inside' } });
    expect(await call({ op: 'read', path: 'a-link' })).toMatchObject({ type: 'succeeded', output: { content: 'inside' } });
    await call({ op: 'write', path: 'a-link', content: 'changed' });
    expect(readFileSync(join(root, 'real/a.txt'), 'utf8')).toBe('changed');
    expect(lstatSync(join(root, 'a-link')).isSymbolicLink()).toBe(true);
  });

  it('works under a root that is itself reached through a symlink', async () => {
    symlinkSync(root, join(base, 'root-link'));
    const call = await agentWith({ root: join(base, 'root-link') });
    expect(await call({ op: 'write', path: 'x.txt', content: 'ok' })).toMatchObject({ type: 'succeeded' });
    expect(readFileSync(join(root, 'x.txt'), 'utf8')).toBe('ok');
  });
});

describe('files: size cap', () => {
  it('refuses to write or read past maxBytes, without retries', async () => {
    const call = await agentWith({ root: () => root, maxBytes: 8 });
    expect(await call({ op: 'write', path: 'ok.txt', content: '12345678' })).toMatchObject({ type: 'succeeded', output: { size: 8 } });
    expect(await call({ op: 'write', path: 'big.txt', content: '123456789' })).toMatchObject({ type: 'failed', error: { code: 'FILES_TOO_LARGE' }, retryable: false });
    expect(existsSync(join(root, 'big.txt'))).toBe(false);
    writeFileSync(join(root, 'big.txt'), 'x'.repeat(9));
    expect(await call({ op: 'read', path: 'big.txt' })).toMatchObject({ type: 'failed', error: { code: 'FILES_TOO_LARGE' }, retryable: false });
    expect(await call({ op: 'read', path: 'ok.txt' })).toMatchObject({ type: 'succeeded', output: { content: '12345678' } });
  });
});
