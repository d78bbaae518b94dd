import { chain, runtimeFixture } from './runtime-fixture.test-helper';

const succeeded = (key: string, output: unknown) => ({ type: 'step.succeeded' as const, key, attempt: 1, output });

describe('announcing committed events', () => {
  test('one announcement per committed batch, with each run\'s last event number; the history it points at is gapless', async () => {
    const { runtime, dispatcher, queries } = runtimeFixture();
    // Pushed in one tick: one admission batch.
    const runs = await Promise.all([1, 2, 3].map((i) => runtime.submit({ tenant: 't', workflow: chain(`c${i}`, 2), input: {} })));
    await runtime.drain();
    expect(dispatcher.announced).toHaveLength(1);
    const lastSeq = async (id: string) => (await queries.history('t', id, 0, 1000))!.lastSeq;
    expect(dispatcher.announced[0]).toEqual(await Promise.all(runs.map(async ({ id }) => ({ runId: id, seq: await lastSeq(id) }))));

    await Promise.all([runtime.apply(runs[0]!.id, succeeded('s0', 'small')), runtime.apply(runs[1]!.id, succeeded('s0', 'x'.repeat(2000)))]);
    await runtime.drain();
    expect(dispatcher.announced).toHaveLength(2);
    expect(dispatcher.announced[1]!.sort((a, b) => a.runId.localeCompare(b.runId))).toEqual(
      (await Promise.all([runs[0]!.id, runs[1]!.id].map(async (id) => ({ runId: id, seq: await lastSeq(id) })))).sort((a, b) => a.runId.localeCompare(b.runId)));

    const history = (await queries.history('t', runs[0]!.id, 0, 1000))!;
    expect(history.events.map((e) => e.seq)).toEqual(Array.from({ length: history.lastSeq }, (_, i) => i + 1));
    expect(history.events.map((e) => [e.type, e.key])).toEqual([
      ['run.queued', null], ['step.queued', 's0'], ['run.started', null], ['step.succeeded', 's0'], ['step.queued', 's1'],
    ]);
    expect(history.events[3]!.data).toEqual({ attempt: 1, output: 'small' });
    const large = (await queries.history('t', runs[1]!.id, 0, 1000))!.events.find((e) => e.type === 'step.succeeded')!;
    expect(large.data).toEqual({ attempt: 1, outputBytes: 2002 });
  });

  test('an announcement that fails is logged and changes nothing else: the state is committed', async () => {
    const { runtime, dispatcher, logger, queries } = runtimeFixture();
    const run = await runtime.submit({ tenant: 't', workflow: chain('c', 1), input: {} });
    await runtime.drain();
    dispatcher.failing = true;
    await runtime.apply(run.id, succeeded('s0', 1));
    await runtime.drain();
    expect((await queries.history('t', run.id, 0, 1000))!).toMatchObject({ status: 'succeeded' });
    expect(logger.lines.some(([level, message]) => level === 'warn' && message.startsWith('could not announce committed events'))).toBe(true);
  });
});
