import { sql, type Kysely, type Selectable } from 'kysely';
import { toJsonb } from './json';
import type { Database, TemplatesTable } from './schema';

/** A template version to store: the definition, and what lookups need of it. */
export interface NewTemplateVersion {
  tenant: string;
  name: string;
  definition: unknown;
  /** Equal for equal definitions (canonical JSON): an unchanged PUT makes no new version. */
  definitionHash: string;
  description?: string;
  /** The definition's `schedule`, if any. */
  schedule?: unknown;
  /** The definition's `on` (event types). */
  triggers?: readonly string[];
  createdBy?: string;
}

/** One stored version of a template. */
export interface TemplateVersion {
  tenant: string;
  name: string;
  version: number;
  definition: unknown;
  definitionHash: string;
  description: string | null;
  schedule: unknown;
  triggers: string[];
  createdBy: string | null;
  createdAt: Date;
}

/** A template's latest version in a listing. */
export interface TemplateSummary {
  name: string;
  latestVersion: number;
  description: string | null;
}

const toVersion = (r: Selectable<TemplatesTable>): TemplateVersion => ({
  tenant: r.tenant,
  name: r.name,
  version: r.version,
  definition: r.definition,
  definitionHash: r.definition_hash,
  description: r.description,
  schedule: r.schedule ?? null,
  triggers: (r.triggers as string[] | null) ?? [],
  createdBy: r.created_by,
  createdAt: r.created_at,
});

/**
 * The runtime's `TemplateStore` port on Postgres (matched structurally). Versions are numbered
 * 1, 2, … per tenant and name, and never changed once written; every call is scoped to a tenant.
 */
export class KyselyTemplateStore {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Stores a new version unless the latest one has the same hash; answers the version and whether
   * it is new. Concurrent puts of one name are serialised (an advisory lock of the transaction), so
   * two of the same definition make one version and two of different ones make two.
   */
  async put(t: NewTemplateVersion, now = new Date()): Promise<{ version: number; created: boolean }> {
    return this.db.transaction().execute(async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`template/${t.tenant}/${t.name}`}, 0))`.execute(tx);
      const latest = await tx.selectFrom('templates').select(['version', 'definition_hash'])
        .where('tenant', '=', t.tenant).where('name', '=', t.name).orderBy('version', 'desc').limit(1).executeTakeFirst();
      if (latest?.definition_hash === t.definitionHash) return { version: latest.version, created: false };
      const version = (latest?.version ?? 0) + 1;
      await tx.insertInto('templates').values({
        tenant: t.tenant, name: t.name, version, definition: toJsonb(t.definition), definition_hash: t.definitionHash,
        description: t.description ?? null, schedule: t.schedule === undefined ? null : toJsonb(t.schedule),
        triggers: toJsonb(t.triggers ?? []), created_by: t.createdBy ?? null, created_at: now,
      }).execute();
      return { version, created: true };
    });
  }

  /** A given version, or the latest when `version` is absent; undefined when there is none. */
  async get(tenant: string, name: string, version?: number): Promise<TemplateVersion | undefined> {
    let query = this.db.selectFrom('templates').selectAll().where('tenant', '=', tenant).where('name', '=', name);
    query = version === undefined ? query.orderBy('version', 'desc').limit(1) : query.where('version', '=', version);
    const row = await query.executeTakeFirst();
    return row && toVersion(row);
  }

  /** The latest version number of a template; undefined when there is none. */
  async latestVersion(tenant: string, name: string): Promise<number | undefined> {
    const row = await this.db.selectFrom('templates').select('version').where('tenant', '=', tenant).where('name', '=', name)
      .orderBy('version', 'desc').limit(1).executeTakeFirst();
    return row?.version;
  }

  /** The tenant's templates by name (after `after`, at most `limit`), each with its latest version. */
  async list(tenant: string, options: { limit: number; after?: string }): Promise<TemplateSummary[]> {
    let query = this.db.selectFrom('templates').select(['name', 'version', 'description'])
      .distinctOn('name').where('tenant', '=', tenant).orderBy('name').orderBy('version', 'desc').limit(options.limit);
    if (options.after !== undefined) query = query.where('name', '>', options.after);
    const rows = await query.execute();
    return rows.map((r) => ({ name: r.name, latestVersion: r.version, description: r.description }));
  }

  /**
   * The latest version of every template (of `tenant`, or of every tenant) that declares a
   * schedule, or that lists `trigger` in its `on`: a schedule or trigger counts only in the latest version.
   */
  async latestWith(filter: { tenant?: string; schedule?: true; trigger?: string }): Promise<TemplateVersion[]> {
    let latest = this.db.selectFrom('templates').selectAll().distinctOn(['tenant', 'name']).orderBy('tenant').orderBy('name').orderBy('version', 'desc');
    if (filter.tenant !== undefined) latest = latest.where('tenant', '=', filter.tenant);
    let query = this.db.selectFrom(latest.as('t')).selectAll();
    if (filter.schedule) query = query.where('schedule', 'is not', null);
    if (filter.trigger !== undefined) query = query.where(sql<boolean>`triggers @> ${toJsonb([filter.trigger])}::jsonb`);
    const rows = await query.orderBy('tenant').orderBy('name').execute();
    return rows.map(toVersion);
  }
}
