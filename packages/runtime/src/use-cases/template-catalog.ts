import { BatonError, ReadThroughCache, type Meter } from '@baton/core';
import type { TemplateVersion } from '@baton/db';
import { checkWorkflow, type CheckDeps, type CheckedWorkflow } from './check-workflow';
import type { TemplateStore } from './templates';

export interface TemplateCatalogOptions {
  store: Pick<TemplateStore, 'get' | 'latestVersion'>;
  /**
   * Whether this process hears of every new version (the api's Redis channel is subscribed): only
   * then is a template's latest version number kept between requests; otherwise it is read each time.
   * @defaultValue never kept
   */
  hearsChanges?: () => boolean;
  /** How many versions, and how many latest version numbers, are kept. @defaultValue 1000 */
  size?: number;
  /** Where its `baton_cache_*{cache="templates"|"template_latest"}` series go. @defaultValue none */
  meter?: Meter;
}

/** A stored version and what checking it made (the compiled definition). */
export interface ResolvedTemplate {
  template: TemplateVersion;
  checked: CheckedWorkflow;
}

const notFound = (name: string, version?: number) =>
  new BatonError('TEMPLATE_NOT_FOUND', version === undefined ? `template ${name} not found` : `template ${name} has no version ${version}`);

/**
 * Templates as runs start them, cached in this process (two {@link ReadThroughCache}s). A version
 * never changes, so a checked and compiled version is kept without invalidation (`templates`, by
 * tenant, name and version); only which version is the latest changes (`template_latest`), and that
 * is forgotten whenever any instance puts one ({@link forget}, called by the api's Redis channel).
 */
export class TemplateCatalog {
  private readonly versions: ReadThroughCache<ResolvedTemplate>;
  private readonly latest: ReadThroughCache<number>;

  constructor(private readonly options: TemplateCatalogOptions) {
    const shared = { maxEntries: options.size ?? 1000, ...(options.meter ? { meter: options.meter } : {}) };
    this.versions = new ReadThroughCache({ name: 'templates', ...shared });
    // Kept only while every change is heard; the hour bounds a change missed all the same.
    this.latest = new ReadThroughCache({ name: 'template_latest', ...shared, ttlMs: 3_600_000, enabled: () => options.hearsChanges?.() ?? false });
  }

  /**
   * The template at `version`, or its latest, checked against the agents workers registered (on a
   * cache hit only its agents are checked again).
   * @throws BatonError TEMPLATE_NOT_FOUND, VALIDATION_FAILED (an agent no worker registered), UNAVAILABLE
   */
  async resolve(tenant: string, name: string, version: number | undefined, deps: CheckDeps): Promise<ResolvedTemplate> {
    const v = version ?? (await this.latestVersion(tenant, name));
    let loaded = false;
    const resolved = await this.versions.get(`${tenant}/${name}@${v}`, async () => {
      loaded = true;
      const template = await this.options.store.get(tenant, name, v);
      return template && { template, checked: await checkWorkflow(template.definition, deps) };
    });
    if (!resolved) throw notFound(name, version);
    if (loaded) return resolved;
    // Kept from before: an agent it names may be gone since.
    const known = await deps.agents.known();
    if (resolved.checked.agents.every((a) => known.has(a))) return resolved;
    return { template: resolved.template, checked: await checkWorkflow(resolved.template.definition, deps) };
  }

  /** Forgets the latest version of one template, or of all (a change may have gone unheard). */
  forget(tenant?: string, name?: string): void {
    if (tenant === undefined || name === undefined) this.latest.clear();
    else this.latest.delete(`${tenant}/${name}`);
  }

  private async latestVersion(tenant: string, name: string): Promise<number> {
    const version = await this.latest.get(`${tenant}/${name}`, () => this.options.store.latestVersion(tenant, name));
    if (version === undefined) throw notFound(name);
    return version;
  }
}
