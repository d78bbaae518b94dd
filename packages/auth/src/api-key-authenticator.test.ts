import { generateApiKey } from './api-key';
import { apiKeyAuthenticator } from './api-key-authenticator';
import type { ApiKeyStore, StoredApiKey } from './api-key-store';

const PEPPER = 'a-pepper-of-at-least-32-characters!!';

/** A store over a map that counts its lookups (the Postgres one is tested in @baton/db). */
function mapStore(): ApiKeyStore & { rows: Map<string, StoredApiKey>; lookups: number } {
  const rows = new Map<string, StoredApiKey>();
  const store = {
    rows,
    lookups: 0,
    findLive: async (id: string) => {
      store.lookups += 1;
      return rows.get(id);
    },
  };
  return store;
}

function addKey(store: ReturnType<typeof mapStore>, extra: Partial<StoredApiKey> = {}): string {
  const k = generateApiKey(PEPPER);
  store.rows.set(k.id, { id: k.id, tenant: 't1', role: 'submitter', agents: null, rateLimitPerMinute: null, expiresAt: null, secretHash: k.secretHash, ...extra });
  return k.key;
}

describe('apiKeyAuthenticator', () => {
  it('makes a stored key its principal: subject key:<id>, its tenant, role, agents and rate limit', async () => {
    const store = mapStore();
    const key = addKey(store, { tenant: 't9', role: 'operator', agents: ['echo'], rateLimitPerMinute: 60 });
    const id = key.split('_')[1];
    expect(await apiKeyAuthenticator({ store, pepper: PEPPER }).authenticate(key)).toEqual({
      tenant: 't9', role: 'operator', subject: `key:${id}`, keyId: id, agents: ['echo'], rateLimitPerMinute: 60,
    });
  });

  it('leaves credentials that are no bk_ key to others, and refuses malformed ones without a lookup', async () => {
    const store = mapStore();
    const auth = apiKeyAuthenticator({ store, pepper: PEPPER });
    for (const credential of [undefined, 'an-admin-key-of-32-characters!!!', 'a.b.c', 'bk_', 'bk_zz_yy', `bk_0123456789abcdef_${'a'.repeat(40)}`]) {
      expect(await auth.authenticate(credential)).toBeUndefined();
    }
    expect(store.lookups).toBe(0);
  });

  it('refuses an unknown id, another secret of a real id, another pepper and a row with an unknown role', async () => {
    const store = mapStore();
    const key = addKey(store);
    const auth = apiKeyAuthenticator({ store, pepper: PEPPER });
    const [, id, secret] = /^bk_([0-9a-f]{16})_(.*)$/.exec(key)!;
    expect(await auth.authenticate(`bk_${'0'.repeat(16)}_${secret}`)).toBeUndefined();
    expect(await auth.authenticate(`bk_${id}_${'A'.repeat(32)}`)).toBeUndefined();
    expect(await apiKeyAuthenticator({ store, pepper: `${PEPPER}!` }).authenticate(key)).toBeUndefined();
    expect(await auth.authenticate(key)).toMatchObject({ role: 'submitter' });
    store.rows.set(id!, { ...store.rows.get(id!)!, role: 'root' });
    expect(await auth.authenticate(key)).toBeUndefined();
  });

  it('says an expired key expired', async () => {
    const store = mapStore();
    let now = Date.parse('2030-01-01T00:00:00Z');
    const key = addKey(store, { expiresAt: new Date(now + 1000) });
    const auth = apiKeyAuthenticator({ store, pepper: PEPPER, now: () => now });
    expect(await auth.authenticate(key)).toMatchObject({ role: 'submitter' });
    now += 1000;
    await expect(auth.authenticate(key)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'this API key has expired' });
  });

  it('serves a cached key without a lookup while the cache is live, checking the secret every time', async () => {
    const store = mapStore();
    const key = addKey(store);
    const auth = apiKeyAuthenticator({ store, pepper: PEPPER, cache: { live: () => true } });
    for (let i = 0; i < 5; i++) expect(await auth.authenticate(key)).toBeDefined();
    expect(store.lookups).toBe(1);
    expect(await auth.authenticate(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    expect(store.lookups).toBe(1);
  });

  it('shares one lookup among concurrent requests with a key not cached yet', async () => {
    const store = mapStore();
    const key = addKey(store);
    const auth = apiKeyAuthenticator({ store, pepper: PEPPER, cache: { live: () => true } });
    const answers = await Promise.all(Array.from({ length: 20 }, () => auth.authenticate(key)));
    expect(answers.every((p) => p?.role === 'submitter')).toBe(true);
    expect(store.lookups).toBe(1);
  });

  it('does not let a request after a deletion share a lookup begun before it', async () => {
    const store = mapStore();
    const key = addKey(store);
    const id = key.split('_')[1]!;
    const auth = apiKeyAuthenticator({ store, pepper: PEPPER, cache: { live: () => true } });
    let release: () => void = () => undefined;
    const read = store.findLive;
    store.findLive = async (i) => {
      const row = await read(i);
      await new Promise<void>((resolve) => (release = resolve));
      return row;
    };
    const early = auth.authenticate(key);
    await new Promise((resolve) => setImmediate(resolve));
    store.rows.delete(id);
    auth.forget(id);
    store.findLive = read;
    const late = auth.authenticate(key);
    release();
    expect(await early).toBeDefined(); // began before the deletion
    expect(await late).toBeUndefined();
  });

  it('reads the store on every request while the cache is not live (deletions might go unheard)', async () => {
    const store = mapStore();
    const key = addKey(store);
    let live = true;
    const auth = apiKeyAuthenticator({ store, pepper: PEPPER, cache: { live: () => live } });
    await auth.authenticate(key);
    live = false;
    store.rows.clear();
    expect(await auth.authenticate(key)).toBeUndefined();
    expect(store.lookups).toBe(2);
  });

  it('forgets a key, or all of them, when told', async () => {
    const store = mapStore();
    const a = addKey(store);
    const b = addKey(store);
    const auth = apiKeyAuthenticator({ store, pepper: PEPPER, cache: { live: () => true } });
    await auth.authenticate(a);
    await auth.authenticate(b);
    store.rows.delete(a.split('_')[1]!);
    auth.forget(a.split('_')[1]);
    expect(await auth.authenticate(a)).toBeUndefined();
    expect(await auth.authenticate(b)).toBeDefined();
    store.rows.clear();
    auth.forget();
    expect(await auth.authenticate(b)).toBeUndefined();
  });

  it('does not cache a row read before an invalidation that arrived during the read', async () => {
    const store = mapStore();
    const key = addKey(store);
    const id = key.split('_')[1]!;
    const auth = apiKeyAuthenticator({ store, pepper: PEPPER, cache: { live: () => true } });
    const read = store.findLive;
    store.findLive = async (i) => {
      const row = await read(i);
      // The key is deleted elsewhere while this lookup is in flight.
      store.rows.delete(id);
      auth.forget(id);
      return row;
    };
    expect(await auth.authenticate(key)).toBeDefined();
    store.findLive = read;
    expect(await auth.authenticate(key)).toBeUndefined();
  });

  it('reads a row again after its time to live, and keeps at most maxEntries rows', async () => {
    const store = mapStore();
    let now = 0;
    const keys = [addKey(store), addKey(store), addKey(store)];
    const auth = apiKeyAuthenticator({ store, pepper: PEPPER, now: () => now, cache: { live: () => true, ttlMs: 1000, maxEntries: 2 } });
    for (const key of keys) await auth.authenticate(key);
    expect(store.lookups).toBe(3);
    await auth.authenticate(keys[0]); // evicted as the least recently used
    expect(store.lookups).toBe(4);
    await auth.authenticate(keys[2]);
    expect(store.lookups).toBe(4);
    now += 1001;
    await auth.authenticate(keys[2]);
    expect(store.lookups).toBe(5);
  });
});
