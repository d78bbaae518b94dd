import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createDb, type Db } from './create-db';
import { migrate } from './migrations';

/** The server tests create their databases on; `DATABASE_URL` when set. */
export function serverUrl(): string {
  return process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(server: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: server });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database of its own, for one test file or benchmark; `drop()` removes it. */
export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(options: { server?: string; prefix?: string } = {}): Promise<TestDatabase> {
  const server = options.server ?? serverUrl();
  const name = `${options.prefix ?? 'baton_test'}_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await admin(server, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(server, name);
  const db: Db = createDb({ url, poolSize: 2 });
  try {
    await migrate(db.kysely);
  } finally {
    await db.destroy();
  }
  return { url, name, drop: () => admin(server, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined) };
}
