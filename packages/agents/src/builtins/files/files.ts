import { randomUUID } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { isAbsolute, join, sep } from 'node:path';
import { z } from 'zod';
import { defineAgent, NonRetryableError } from '@baton/agent-sdk';

const MiB = 1024 * 1024;
/** Entries `list` returns at most; `truncated` says when there were more. */
const MAX_ENTRIES = 10_000;

const Config = z.object({
  /** The directory every path is under (`BATON_FILES_ROOT`); unset, every step is refused. */
  root: z.string().min(1).optional(),
  /** The largest file read or written. */
  maxBytes: z.number().int().min(1).default(10 * MiB),
});

const Input = z.object({
  op: z.enum(['read', 'write', 'list', 'stat', 'delete']),
  /** Relative to the root, `/`-separated; `''` or `.` is the root itself. */
  path: z.string(),
  content: z.string().optional(),
  encoding: z.enum(['utf8', 'base64']).default('utf8'),
});

interface Deps {
  /** The root's real path, or undefined when none is configured. */
  root?: string;
  maxBytes: number;
}

const refuse = (message: string, code = 'FILES_PATH_REFUSED') => new NonRetryableError(message, { code });
const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

/** The path's segments, `.` and empty ones dropped. @throws NonRetryableError for `..`, an absolute path, a NUL byte. */
function segmentsOf(path: string): string[] {
  if (path.includes('\0')) throw refuse('path contains a NUL byte');
  if (isAbsolute(path) || path.startsWith('/') || path.startsWith('\\') || /^[a-zA-Z]:/.test(path)) throw refuse(`path ${JSON.stringify(path)} is absolute: give it relative to the root`);
  const segments = path.split(/[/\\]/).filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw refuse(`path ${JSON.stringify(path)} contains "..": paths stay under the root`);
  return segments;
}

const inside = (root: string, real: string) => real === root || real.startsWith(root + sep);

/**
 * The real path of `dir` (under the root), refused when a symlink on the way leads out.
 * `create` makes the directories that are missing, one at a time, each checked.
 */
async function realDir(root: string, dirs: string[], path: string, create: boolean): Promise<string> {
  let current = root;
  for (const name of dirs) {
    const next = join(current, name);
    if (create) {
      try {
        await mkdir(next);
      } catch (error) {
        if (errnoOf(error) !== 'EEXIST') throw error;
      }
    }
    let real: string;
    try {
      real = await realpath(next);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') throw refuse(`no such directory on the way to ${JSON.stringify(path)}`, 'FILES_NOT_FOUND');
      throw error;
    }
    if (!inside(root, real)) throw refuse(`path ${JSON.stringify(path)} leads out of the root through a symlink`);
    current = real;
  }
  return current;
}

/** The target's own entry (a symlink is not followed), undefined when missing. */
async function entryOf(target: string): Promise<Stats | undefined> {
  try {
    return await lstat(target);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** Where a final symlink leads, refused when that is out of the root or missing. */
async function followLink(root: string, target: string, path: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(target);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') throw refuse(`path ${JSON.stringify(path)} is a symlink to nothing`);
    throw error;
  }
  if (!inside(root, real)) throw refuse(`path ${JSON.stringify(path)} is a symlink leading out of the root`);
  return real;
}

const typeOf = (s: Stats) => (s.isFile() ? 'file' : s.isDirectory() ? 'directory' : s.isSymbolicLink() ? 'symlink' : 'other');

/** Turns what the file system says about a bad request into final errors; others (EIO, EMFILE) stay retryable. */
function final(error: unknown, path: string): unknown {
  const messages: Record<string, string> = {
    ENOENT: 'does not exist',
    EISDIR: 'is a directory',
    ENOTDIR: 'is not a directory',
    ELOOP: 'is a symlink',
    ENOTEMPTY: 'is a directory that is not empty',
    EEXIST: 'exists already',
    EACCES: 'is not accessible',
    EPERM: 'is not accessible',
  };
  const code = errnoOf(error);
  if (code === undefined || NonRetryableError.is(error) || !messages[code]) return error;
  return new NonRetryableError(`${JSON.stringify(path)} ${messages[code]}`, { code: code === 'ENOENT' ? 'FILES_NOT_FOUND' : 'FILES_ERROR', cause: error });
}

async function readFile(file: string, path: string, maxBytes: number): Promise<Buffer> {
  // O_NOFOLLOW: a symlink swapped in after the check fails to open instead of being followed.
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw refuse(`${JSON.stringify(path)} is ${size} bytes, more than the ${maxBytes} a step may read`, 'FILES_TOO_LARGE');
    const buffer = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const { bytesRead } = await handle.read(buffer, read, size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return buffer.subarray(0, read);
  } finally {
    await handle.close();
  }
}

/** Writes `data` next to `file` under a temporary name, then renames it over `file`: readers see the old or the new content, never a part. */
async function writeAtomically(dir: string, file: string, data: Buffer): Promise<void> {
  const temp = join(dir, `.baton-${randomUUID()}.tmp`);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * Reads, writes, lists, stats and deletes files under `BATON_FILES_ROOT`. A path is relative to
 * the root and may not leave it: `..`, absolute paths, NUL bytes and symlinks leading out are
 * refused (each directory on the way resolved with `realpath`; the file opened with `O_NOFOLLOW`).
 * Writes are atomic (a temporary file in the same directory, then a rename).
 */
export const filesAgent = defineAgent({
  name: 'files',
  description: 'Reads, writes, lists, stats and deletes files under BATON_FILES_ROOT: `{ op, path, content?, encoding? }`.',
  input: Input,
  config: Config,
  setup: async (config): Promise<Deps> => {
    if (config.root === undefined) return { maxBytes: config.maxBytes };
    const root = await realpath(config.root).catch((error: unknown) => {
      throw new Error(`files root ${JSON.stringify(config.root)} cannot be resolved: ${(error as Error).message}`);
    });
    if (!(await stat(root)).isDirectory()) throw new Error(`files root ${JSON.stringify(config.root)} is not a directory`);
    return { root, maxBytes: config.maxBytes };
  },
  run: async (input, ctx) => {
    const { root, maxBytes } = ctx.deps;
    if (root === undefined) throw refuse('the files agent has no root: set BATON_FILES_ROOT on the worker', 'FILES_NOT_CONFIGURED');
    const { op, path, encoding } = input;
    const segments = segmentsOf(path);
    const name = segments.at(-1);
    const shown = segments.join('/') || '.';
    try {
      if (name === undefined) {
        // The root itself: only listed or stat-ed.
        if (op === 'list') return await list(root, shown);
        if (op === 'stat') return statOf(await stat(root), shown);
        throw refuse(`cannot ${op} the root itself`);
      }
      const dir = await realDir(root, segments.slice(0, -1), shown, op === 'write');
      let target = join(dir, name);
      const entry = await entryOf(target);
      if (entry?.isSymbolicLink()) target = await followLink(root, target, shown);

      switch (op) {
        case 'read': {
          if (!entry) throw refuse(`${JSON.stringify(shown)} does not exist`, 'FILES_NOT_FOUND');
          const data = await readFile(target, shown, maxBytes);
          return { path: shown, content: data.toString(encoding), encoding, size: data.length };
        }
        case 'write': {
          if (input.content === undefined) throw refuse('write needs content', 'FILES_ERROR');
          if (encoding === 'base64' && !/^[A-Za-z0-9+/]*={0,2}$/.test(input.content.replace(/\s/g, ''))) throw refuse('content is not base64', 'FILES_ERROR');
          const data = Buffer.from(input.content, encoding);
          if (data.length > maxBytes) throw refuse(`content is ${data.length} bytes, more than the ${maxBytes} a step may write`, 'FILES_TOO_LARGE');
          const current = entry?.isSymbolicLink() ? await entryOf(target) : entry;
          if (current?.isDirectory()) throw refuse(`${JSON.stringify(shown)} is a directory`, 'FILES_ERROR');
          const lastSep = target.lastIndexOf(sep);
          await writeAtomically(target.slice(0, lastSep), target, data);
          return { path: shown, size: data.length };
        }
        case 'list':
          if (!entry) throw refuse(`${JSON.stringify(shown)} does not exist`, 'FILES_NOT_FOUND');
          return await list(target, shown);
        case 'stat': {
          if (!entry) return { path: shown, exists: false };
          return statOf(await stat(target), shown);
        }
        case 'delete': {
          if (!entry) return { path: shown, deleted: false };
          // A symlink (inside the root) is removed itself, not what it leads to.
          const own = join(dir, name);
          if (entry.isDirectory()) await rmdir(own);
          else await unlink(own);
          return { path: shown, deleted: true };
        }
      }
    } catch (error) {
      throw final(error, shown);
    }
  },
});

function statOf(s: Stats, path: string) {
  return { path, exists: true, type: typeOf(s), size: s.size, modifiedAt: s.mtime.toISOString() };
}

async function list(dir: string, path: string) {
  const entries = await readdir(dir, { withFileTypes: true });
  const sorted = entries.map((e) => ({ name: e.name, type: e.isFile() ? 'file' : e.isDirectory() ? 'directory' : e.isSymbolicLink() ? 'symlink' : 'other' })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { path, entries: sorted.slice(0, MAX_ENTRIES), truncated: sorted.length > MAX_ENTRIES };
}
