import { BatonError } from '@baton/core';
import type { TemplateVersion } from '@baton/db';
import { BoundedCache } from '@baton/workflow';
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
  /** @defaultValue 1000 */
  size?: number;
}

/** A stored version and what checking it made (the compiled definition). */
export interface ResolvedTemplate {
  template: TemplateVersion;
  checked: CheckedWorkflow;
}

const notFound = (name: string, version?: number) =>
  new BatonError('TEMPLATE_NOT_FOUND', version === undefined ? `template ${name} not found` : `template ${name} has no version ${version}`);

/**
 * Templates as runs start them, cached in this process. A version never changes, so a checked and
 * compiled version is kept without invalidation (keyed by tenant, name and version); only which
 * version is the latest changes, and that is forgotten whenever any instance puts one
 * ({@link forget}, called by the api's Redis channel).
 */
export class TemplateCatalog {
  private readonly versions: BoundedCache<ResolvedTemplate>;
  private readonly latest = new Map<string, number>();
  // Bumped by every forget: a lookup begun before it must not put back what it read.
  private generation = 0;

  constructor(private readonly options: TemplateCatalogOptions) {
    this.versions = new BoundedCache(options.size ?? 1000);
  }

  /**
   * The template at `version`, or its latest, checked against the agents workers registered (on a
   * cache hit only its agents are checked again).
   * @throws BatonError TEMPLATE_NOT_FOUND, VALIDATION_FAILED (an agent no worker registered), UNAVAILABLE
   */
  async resolve(tenant: string, name: string, version: number | undefined, deps: CheckDeps): Promise<ResolvedTemplate> {
    const v = version ?? (await this.latestVersion(tenant, name));
    const key = `${tenant}/${name}@${v}`;
    const hit = this.versions.get(key);
    if (hit) {
      const known = await deps.agents.known();
      if (hit.checked.agents.every((a) => known.has(a))) return hit;
      return { template: hit.template, checked: await checkWorkflow(hit.template.definition, deps) };
    }
    const template = await this.options.store.get(tenant, name, v);
    if (!template) throw notFound(name, version);
    const resolved = { template, checked: await checkWorkflow(template.definition, deps) };
    this.versions.set(key, resolved);
    return resolved;
  }

  /** Forgets the latest version of one template, or of all (a change may have gone unheard). */
  forget(tenant?: string, name?: string): void {
    this.generation++;
    if (tenant === undefined || name === undefined) this.latest.clear();
    else this.latest.delete(`${tenant}/${name}`);
  }

  private async latestVersion(tenant: string, name: string): Promise<number> {
    const key = `${tenant}/${name}`;
    const cache = this.options.hearsChanges?.() ?? false;
    const cached = cache ? this.latest.get(key) : undefined;
    if (cached !== undefined) return cached;
    const generation = this.generation;
    const version = await this.options.store.latestVersion(tenant, name);
    if (version === undefined) throw notFound(name);
    if (cache && generation === this.generation) this.latest.set(key, version);
    return version;
  }
}
