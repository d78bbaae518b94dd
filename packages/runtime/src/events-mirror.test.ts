import type { MirrorCursor, MirrorEventRow } from '@baton/db';
import { noopLogger } from '@baton/core';
import { EventsMirror, type EventsMirrorStore, type MirroredEvent } from './events-mirror';

/** The store's contract in memory: events per run, a cursor per run. */
class MemoryMirrorStore implements EventsMirrorStore {
  readonly events = new Map<string, MirrorEventRow[]>();
  readonly cursors = new Map<string, number>();
  enabled = false;

  add(runId: string, count: number): void {
    const list = this.events.get(runId) ?? [];
    for (let i = 0; i < count; i++) {
      const seq = list.length + 1;
      list.push({ runId, tenant: 't', template: null, seq, type: `step.e${seq}`, key: null, data: null, at: new Date(0) });
    }
    this.events.set(runId, list);
  }

  async enable(): Promise<boolean> {
    const first = !this.enabled;
    this.enabled = true;
    return first;
  }

  async behind(limit: number): Promise<string[]> {
    return [...this.events].filter(([id, list]) => list.length > (this.cursors.get(id) ?? 0)).map(([id]) => id).slice(0, limit);
  }

  async pending(runIds: readonly string[], limit: number): Promise<MirrorEventRow[]> {
    return [...runIds].sort().flatMap((id) => (this.events.get(id) ?? []).filter((e) => e.seq > (this.cursors.get(id) ?? 0))).slice(0, limit);
  }

  async advance(cursors: readonly MirrorCursor[]): Promise<void> {
    for (const c of cursors) this.cursors.set(c.runId, Math.max(this.cursors.get(c.runId) ?? 0, c.seq));
  }
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const seqsOf = (published: MirroredEvent[], runId: string) => published.filter((e) => e.runId === runId).map((e) => e.seq);

describe('EventsMirror', () => {
  let mirror: EventsMirror | undefined;
  afterEach(() => mirror?.stop());

  it('publishes what the first scan finds and what is announced later, in order per run, in pages', async () => {
    const store = new MemoryMirrorStore();
    store.add('a', 5);
    const published: MirroredEvent[] = [];
    mirror = new EventsMirror({ store, logger: noopLogger, batchSize: 2, publish: async (events) => void published.push(...events) });
    await until(() => store.cursors.get('a') === 5);
    store.add('b', 3);
    store.add('a', 1);
    mirror.notify([{ runId: 'b', seq: 3 }, { runId: 'a', seq: 6 }]);
    await until(() => store.cursors.get('a') === 6 && store.cursors.get('b') === 3);
    expect(seqsOf(published, 'a')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seqsOf(published, 'b')).toEqual([1, 2, 3]);
    expect(published[0]).toEqual({ runId: 'a', tenant: 't', seq: 1, type: 'step.e1', at: new Date(0).toISOString() });
  });

  it('keeps the cursor where it was when a publish fails, and publishes from there again (at least once)', async () => {
    const store = new MemoryMirrorStore();
    store.add('a', 3);
    const published: MirroredEvent[] = [];
    let failures = 2;
    mirror = new EventsMirror({
      store, logger: noopLogger, minRetryMs: 5,
      publish: async (events) => {
        published.push(...events);
        if (failures-- > 0) throw new Error('broker down');
      },
    });
    await until(() => store.cursors.get('a') === 3);
    expect(seqsOf(published, 'a')).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]);
  });

  it('finds by a scan the runs an announcement missed, and those it had no room to remember', async () => {
    const store = new MemoryMirrorStore();
    mirror = new EventsMirror({ store, logger: noopLogger, maxPendingRuns: 1, publish: async () => undefined });
    await until(() => store.enabled);
    store.add('a', 1);
    store.add('b', 1);
    store.add('c', 1);
    mirror.notify([{ runId: 'a', seq: 1 }, { runId: 'b', seq: 1 }]); // room for one: b is left out
    await until(() => store.cursors.get('a') === 1 && store.cursors.get('b') === 1 && store.cursors.get('c') === 1);
  });

  it('scans again when asked (a Redis resubscription)', async () => {
    const store = new MemoryMirrorStore();
    mirror = new EventsMirror({ store, logger: noopLogger, publish: async () => undefined });
    await until(() => store.enabled);
    await new Promise((r) => setTimeout(r, 20));
    store.add('missed', 2);
    mirror.catchUp();
    await until(() => store.cursors.get('missed') === 2);
  });
});
