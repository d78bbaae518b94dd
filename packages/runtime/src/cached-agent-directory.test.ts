import { CachedAgentDirectory } from './cached-agent-directory';

/** A registry over in-memory agents that counts its reads. */
function registry() {
  const r = {
    reads: { list: 0, known: 0, recorded: 0 },
    live: [{ name: 'echo', description: 'echo', workers: 1, status: 'online' as const, lastSeenAt: new Date(0).toISOString() }],
    recordedNames: new Set(['old']),
    list: async () => {
      r.reads.list++;
      return r.live;
    },
    known: async () => {
      r.reads.known++;
      return new Set(r.live.map((a) => a.name));
    },
    recorded: async () => {
      r.reads.recorded++;
      return r.recordedNames;
    },
  };
  return r;
}

describe('CachedAgentDirectory', () => {
  it('reads the registry once per ttl, joins Postgres\'s agents with Redis\'s, and reads again when told the registry changed', async () => {
    const r = registry();
    const directory = new CachedAgentDirectory({ registry: r, recorded: r.recorded, ttlMs: 60_000 });
    expect(await directory.known()).toEqual(new Set(['old', 'echo']));
    await Promise.all([directory.known(), directory.known(), directory.list(), directory.list()]);
    expect(r.reads).toEqual({ list: 1, known: 1, recorded: 1 });

    r.live = [...r.live, { name: 'fresh', description: 'new', workers: 1, status: 'online', lastSeenAt: new Date(0).toISOString() }];
    directory.forget();
    expect(await directory.known()).toEqual(new Set(['old', 'echo', 'fresh']));
    expect((await directory.list()).map((a) => a.name)).toEqual(['echo', 'fresh']);
    expect(r.reads).toEqual({ list: 2, known: 2, recorded: 2 });
  });

  it('reads again after its ttl', async () => {
    const r = registry();
    const directory = new CachedAgentDirectory({ registry: r, recorded: r.recorded, ttlMs: 20 });
    await directory.list();
    await new Promise((resolve) => setTimeout(resolve, 60));
    await directory.list();
    expect(r.reads.list).toBe(2);
  });
});
