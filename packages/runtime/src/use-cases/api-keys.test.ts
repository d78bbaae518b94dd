import { hashApiKeySecret, type Principal } from '@baton/auth';
import { BatonError } from '@baton/core';
import type { ApiKeyRecord, NewApiKey } from '@baton/db';
import { createApiKey, deleteApiKey, listApiKeys, type ApiKeyDeps } from './api-keys';

const PEPPER = 'a-pepper-of-at-least-32-characters!!';
const NOW = new Date('2030-01-01T00:00:00Z');

/** The repository over an array (Postgres's is KyselyApiKeyStore, tested in @baton/db), recording revocations. */
function fixture(pepper: string | null = PEPPER) {
  const rows: Array<NewApiKey & { deleted?: boolean }> = [];
  const revoked: string[] = [];
  const deps: ApiKeyDeps = {
    keys: {
      insert: async (key) => void rows.push(key),
      listLive: async (tenant) => rows.filter((r) => r.tenant === tenant && !r.deleted).map(({ secretHash: _, deleted: __, ...r }): ApiKeyRecord => r),
      delete: async (tenant, id) => {
        const row = rows.find((r) => r.tenant === tenant && r.id === id && !r.deleted);
        if (row) row.deleted = true;
        return row !== undefined;
      },
    },
    revocations: { revoked: async (id) => void revoked.push(id) },
    ...(pepper === null ? {} : { pepper }),
    now: () => NOW,
  };
  return { deps, rows, revoked };
}

const admin: Principal = { tenant: 't1', role: 'admin', subject: 'key:aaaa' };
const bootstrap: Principal = { tenant: 'default', role: 'admin', subject: 'admin-key' };

describe('createApiKey', () => {
  it('stores the HMAC of a new secret, and shows the key once with the caller as creator', async () => {
    const { deps, rows } = fixture();
    const created = await createApiKey(deps, admin, { name: 'ci', role: 'viewer', agents: ['echo', 'echo'], rateLimitPerMinute: 5, expiresAt: '2030-02-01T00:00:00Z' });
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/), key: expect.stringMatching(/^bk_/), name: 'ci', role: 'viewer', tenant: 't1', agents: ['echo'],
      rateLimitPerMinute: 5, expiresAt: '2030-02-01T00:00:00.000Z', createdAt: NOW.toISOString(), createdBy: 'key:aaaa',
    });
    const secret = created.key.slice(`bk_${created.id}_`.length);
    expect(rows[0]!.secretHash).toBe(hashApiKeySecret(PEPPER, { id: created.id, secret }));
    expect(JSON.stringify(rows)).not.toContain(secret);
  });

  it('refuses anyone but an admin', async () => {
    await expect(createApiKey(fixture().deps, { ...admin, role: 'operator' }, { name: 'x', role: 'viewer' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it("keeps an admin to its own tenant; the bootstrap key may name any", async () => {
    const { deps } = fixture();
    await expect(createApiKey(deps, admin, { name: 'x', role: 'viewer', tenant: 't2' })).rejects.toMatchObject({ code: 'FORBIDDEN', details: [{ path: 'tenant' }] });
    expect(await createApiKey(deps, admin, { name: 'x', role: 'viewer', tenant: 't1' })).toMatchObject({ tenant: 't1' });
    expect(await createApiKey(deps, bootstrap, { name: 'x', role: 'admin', tenant: 't2' })).toMatchObject({ tenant: 't2' });
  });

  it('gives a key no agent its creator may not use', async () => {
    const limited: Principal = { ...admin, agents: ['echo', 'http'] };
    const { deps } = fixture();
    await expect(createApiKey(deps, limited, { name: 'x', role: 'viewer' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(createApiKey(deps, limited, { name: 'x', role: 'viewer', agents: ['echo', 'llm'] })).rejects.toMatchObject({
      code: 'FORBIDDEN', details: [{ path: 'agents', message: "llm is outside the caller's agent allow-list" }],
    });
    expect(await createApiKey(deps, limited, { name: 'x', role: 'viewer', agents: ['http'] })).toMatchObject({ agents: ['http'] });
  });

  it('refuses an expiry that is not in the future', async () => {
    await expect(createApiKey(fixture().deps, admin, { name: 'x', role: 'viewer', expiresAt: NOW.toISOString() })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'expiresAt' }] });
  });

  it('is NOT_CONFIGURED without a pepper, storing nothing', async () => {
    const { deps, rows } = fixture(null);
    await expect(createApiKey(deps, admin, { name: 'x', role: 'viewer' })).rejects.toMatchObject({ code: 'NOT_CONFIGURED', message: expect.stringContaining('BATON_KEY_PEPPER') });
    expect(rows).toEqual([]);
  });
});

describe('listApiKeys and deleteApiKey', () => {
  it("list the caller's tenant without secrets, and delete within it, telling the other instances", async () => {
    const { deps, revoked } = fixture();
    const mine = await createApiKey(deps, admin, { name: 'mine', role: 'viewer' });
    const theirs = await createApiKey(deps, bootstrap, { name: 'theirs', role: 'viewer', tenant: 't2' });
    const listed = await listApiKeys(deps, admin);
    expect(listed.items.map((k) => k.id)).toEqual([mine.id]);
    expect(JSON.stringify(listed)).not.toContain('bk_');

    await expect(deleteApiKey(deps, admin, { id: theirs.id })).rejects.toMatchObject({ code: 'API_KEY_NOT_FOUND' });
    await deleteApiKey(deps, admin, { id: mine.id });
    await expect(deleteApiKey(deps, admin, { id: mine.id })).rejects.toMatchObject({ code: 'API_KEY_NOT_FOUND' });
    expect(revoked).toEqual([mine.id]);
    expect((await listApiKeys(deps, admin)).items).toEqual([]);

    await expect(listApiKeys(deps, admin, { tenant: 't2' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await listApiKeys(deps, bootstrap, { tenant: 't2' })).items.map((k) => k.id)).toEqual([theirs.id]);
    await deleteApiKey(deps, bootstrap, { id: theirs.id, tenant: 't2' });
    expect(revoked).toEqual([mine.id, theirs.id]);
  });

  it('delete the key even when the other instances cannot be told, and say so (UNAVAILABLE)', async () => {
    const { deps } = fixture();
    const key = await createApiKey(deps, admin, { name: 'leaked', role: 'viewer' });
    const unheard = { ...deps, revocations: { revoked: async () => { throw new BatonError('UNAVAILABLE', 'Redis did not take it'); } } };
    await expect(deleteApiKey(unheard, admin, { id: key.id })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect((await listApiKeys(deps, admin)).items).toEqual([]);
  });

  it('are for admins only', async () => {
    const { deps } = fixture();
    await expect(listApiKeys(deps, { ...admin, role: 'operator' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(deleteApiKey(deps, { ...admin, role: 'viewer' }, { id: '0123456789abcdef' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
