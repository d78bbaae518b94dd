import type { Principal } from '@baton/auth';
import { patchRuntimeSettings, type RuntimeSettings, type SettingsProblem } from '@baton/config';
import { BatonError } from '@baton/core';
import type { StoredSettings } from '@baton/db';

/** What the settings use cases need: the store, and the channel that tells every process. */
export interface SettingsDeps {
  store: {
    read(): Promise<StoredSettings>;
    update<E>(who: { tenant: string; actor: string }, change: (current: StoredSettings) => { value: Record<string, unknown>; data: unknown } | { refused: E }): Promise<StoredSettings | { refused: E }>;
  };
  /** Tells every process to read them again; resolves to how many heard it. */
  announce(version: number): Promise<number>;
}

/** The settings as the API shows them. */
export interface SettingsView {
  settings: RuntimeSettings;
  version: number;
  updatedBy?: string;
  updatedAt?: string;
}

const view = (s: StoredSettings): SettingsView => ({
  settings: s.value as RuntimeSettings,
  version: s.version,
  ...(s.updatedBy ? { updatedBy: s.updatedBy } : {}),
  ...(s.updatedAt ? { updatedAt: s.updatedAt.toISOString() } : {}),
});

/** Settings are the deployment's, not a tenant's: only the admins of tenant `default` (and the bootstrap key) touch them. */
function refuseOtherTenants(principal: Principal): void {
  if (principal.tenant !== 'default') {
    throw new BatonError('FORBIDDEN', 'runtime settings are the whole deployment\'s: an admin of tenant "default" manages them');
  }
}

export async function getSettings(deps: Pick<SettingsDeps, 'store'>, principal: Principal): Promise<SettingsView> {
  refuseOtherTenants(principal);
  return view(await deps.store.read());
}

/**
 * Applies a JSON merge patch to the settings, validated whole (a bad value changes nothing), records
 * who changed what as an audit event, and tells every process. A process that misses the message
 * reads the settings again within its poll period.
 * @throws BatonError VALIDATION_FAILED listing every problem; FORBIDDEN for another tenant's admin
 */
export async function patchSettings(deps: SettingsDeps, principal: Principal, patch: unknown): Promise<SettingsView> {
  refuseOtherTenants(principal);
  const result = await deps.store.update<SettingsProblem[]>({ tenant: principal.tenant, actor: principal.subject }, (current) => {
    const next = patchRuntimeSettings(current.value as RuntimeSettings, patch);
    if ('problems' in next) return { refused: next.problems };
    return { value: next.settings, data: { patch, before: current.value, after: next.settings, version: current.version + 1 } };
  });
  if ('refused' in result) throw new BatonError('VALIDATION_FAILED', 'the settings are not valid; nothing was changed', result.refused);
  await deps.announce(result.version).catch(() => 0);
  return view(result);
}
