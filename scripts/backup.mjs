#!/usr/bin/env node
// Backup and restore of Baton's Postgres data, as JSON lines (after `npm run build`):
//
//   DATABASE_URL=postgres://… npm run backup -- <file>    one consistent copy of every table
//   DATABASE_URL=postgres://… npm run restore -- <file>   into an EMPTY database (created if missing)
//
// `-` as the file is stdout / stdin. The copy is one repeatable-read transaction; a restore is all
// or nothing, then the migrations of this build run. Redis needs no backup: the reconciler
// re-enqueues every step the restored runs had queued or running.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { BackupRestoreError, createDb, ensureDatabase, restoreBackup, writeBackup } from '@baton/db';

const [command, file] = process.argv.slice(2);
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/baton';
if (!['backup', 'restore'].includes(command) || !file) {
  console.error('usage: backup.mjs backup|restore <file|->   (DATABASE_URL names the database)');
  process.exit(2);
}

const summary = (counts) => Object.entries(counts).filter(([, n]) => n > 0).map(([t, n]) => `${t} ${n}`).join(', ') || 'no rows';

async function backup() {
  const out = file === '-' ? process.stdout : createWriteStream(file, { flags: 'wx' });
  const db = createDb({ url, poolSize: 1 });
  try {
    const counts = await writeBackup(db.kysely, async (line) => { if (!out.write(line)) await once(out, 'drain'); });
    if (out !== process.stdout) { out.end(); await once(out, 'finish'); }
    console.error(`backup written: ${summary(counts)}`);
  } finally {
    await db.destroy();
  }
}

async function restore() {
  await ensureDatabase(url);
  const db = createDb({ url, poolSize: 1 });
  try {
    const lines = createInterface({ input: file === '-' ? process.stdin : createReadStream(file), crlfDelay: Infinity });
    const counts = await restoreBackup(db.kysely, lines);
    console.error(`restored: ${summary(counts)}`);
  } finally {
    await db.destroy();
  }
}

try {
  await (command === 'backup' ? backup() : restore());
} catch (err) {
  console.error(`${command} failed: ${err instanceof BackupRestoreError ? err.message : err?.stack ?? err}`);
  process.exitCode = 1;
}
