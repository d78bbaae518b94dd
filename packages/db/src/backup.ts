import { Migrator, sql, type Kysely } from 'kysely';
import { migrate, migrationProvider } from './migrations';
import type { Database } from './schema';

/** The first line of a backup: what wrote it and the schema its rows have. */
export interface BackupHeader {
  baton: 'backup';
  format: 1;
  createdAt: string;
  /** The migrations the database had run, in order: a restore brings the schema there first. */
  migrations: string[];
}

/** One row of one table, a line of its own. */
interface BackupRow {
  table: string;
  row: Record<string, unknown>;
}

const PAGE = 1000;

/** Baton's tables, parents before the tables whose foreign keys point at them. */
async function tablesInOrder(db: Kysely<Database> | Kysely<unknown>): Promise<string[]> {
  const { rows: tables } = await sql<{ name: string }>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'kysely\\_%'
    ORDER BY table_name`.execute(db);
  const { rows: refs } = await sql<{ child: string; parent: string }>`
    SELECT DISTINCT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent
    FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid <> c.confrelid`.execute(db);
  const ordered: string[] = [];
  const visit = (name: string, path: Set<string>) => {
    if (ordered.includes(name) || path.has(name)) return;
    path.add(name);
    for (const r of refs) if (r.child === name) visit(r.parent, path);
    ordered.push(name);
  };
  for (const t of tables) visit(t.name, new Set());
  return ordered.filter((t) => tables.some((x) => x.name === t));
}

/**
 * Writes a consistent copy of Baton's data as JSON lines: a header, then every row of every table
 * (`{ table, row }`), all read in one repeatable-read, read-only transaction, so the copy is one
 * instant of the database however long it takes. Rows are read a page at a time through a cursor.
 * `write` may return a promise to apply back-pressure.
 * @returns the number of rows written, by table.
 */
export async function writeBackup(db: Kysely<Database>, write: (line: string) => unknown): Promise<Record<string, number>> {
  return db.transaction().setIsolationLevel('repeatable read').execute(async (tx) => {
    await sql`SET TRANSACTION READ ONLY`.execute(tx);
    const migrations = (await new Migrator({ db: tx, provider: migrationProvider }).getMigrations())
      .filter((m) => m.executedAt !== undefined).map((m) => m.name);
    const header: BackupHeader = { baton: 'backup', format: 1, createdAt: new Date().toISOString(), migrations };
    await write(`${JSON.stringify(header)}\n`);
    const counts: Record<string, number> = {};
    for (const table of await tablesInOrder(tx)) {
      counts[table] = 0;
      await sql`DECLARE backup_rows NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS row FROM ${sql.table(table)} t`.execute(tx);
      for (;;) {
        const { rows } = await sql<{ row: string }>`FETCH ${sql.raw(String(PAGE))} FROM backup_rows`.execute(tx);
        for (const r of rows) await write(`{"table":${JSON.stringify(table)},"row":${r.row}}\n`);
        counts[table] += rows.length;
        if (rows.length < PAGE) break;
      }
      await sql`CLOSE backup_rows`.execute(tx);
    }
    return counts;
  });
}

/** A backup that cannot be restored here; nothing was written. */
export class BackupRestoreError extends Error {}

/**
 * Restores a backup of `writeBackup` into an EMPTY database: brings the schema to the backup's
 * migrations, inserts every row in one transaction (all or nothing), then runs the migrations this
 * build adds, so they apply to the restored rows as they would have to the originals.
 * @throws BackupRestoreError for a file that is not a backup, a backup of a newer schema than this
 * build knows, or a database that holds runs already.
 */
export async function restoreBackup(db: Kysely<Database>, lines: AsyncIterable<string>): Promise<Record<string, number>> {
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  let header: BackupHeader | undefined;
  try {
    header = first.done ? undefined : JSON.parse(first.value) as BackupHeader;
  } catch {
    header = undefined;
  }
  if (header?.baton !== 'backup' || header.format !== 1 || !Array.isArray(header.migrations)) {
    throw new BackupRestoreError('not a Baton backup (its first line is not a backup header of format 1)');
  }
  const known = (await new Migrator({ db, provider: migrationProvider }).getMigrations()).map((m) => m.name);
  const unknown = header.migrations.filter((m) => !known.includes(m));
  if (unknown.length > 0) throw new BackupRestoreError(`the backup's schema is newer than this build: it ran ${unknown.join(', ')}`);
  const ahead = (await new Migrator({ db, provider: migrationProvider }).getMigrations())
    .filter((m) => m.executedAt !== undefined && !header.migrations.includes(m.name)).map((m) => m.name);
  if (ahead.length > 0) {
    throw new BackupRestoreError(`the database's schema is ahead of the backup (it ran ${ahead.join(', ')}): restore into a new, empty database before any Baton process starts on it`);
  }
  const last = header.migrations.at(-1);
  if (last !== undefined) {
    const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo(last);
    if (error) throw new Error(`migrating to ${last} failed: ${String(error)}`, { cause: error });
  }
  const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM runs`.execute(db);
  if (Number(rows[0]?.n ?? 0) > 0) throw new BackupRestoreError('the database is not empty: restore into a new database');

  const tables = new Set(await tablesInOrder(db));
  const counts = await db.transaction().execute(async (tx) => {
    const done: Record<string, number> = {};
    let batch: BackupRow[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const table = batch[0]!.table;
      await sql`INSERT INTO ${sql.table(table)} SELECT * FROM json_populate_recordset(NULL::${sql.table(table)}, ${JSON.stringify(batch.map((b) => b.row))}::json)`.execute(tx);
      done[table] = (done[table] ?? 0) + batch.length;
      batch = [];
    };
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      if (next.value.trim() === '') continue;
      const line = JSON.parse(next.value) as BackupRow;
      if (!tables.has(line.table)) throw new BackupRestoreError(`the backup has rows of a table this schema does not have: ${JSON.stringify(line.table)}`);
      if (batch.length > 0 && (batch[0]!.table !== line.table || batch.length >= PAGE)) await flush();
      batch.push(line);
    }
    await flush();
    return done;
  });
  await migrate(db);
  return counts;
}
