import { AgentSlots } from './eager-dispatch';

function slotsOf(limit: number) {
  const lent: number[] = [];
  const slots = new AgentSlots();
  slots.attach({ limit: (agent) => (agent === 'echo' ? limit : 0), lend: (_agent, n) => lent.push(n) });
  return { slots, lent };
}

describe('AgentSlots', () => {
  test('no eager run before the consumer is attached, nor for an agent it does not consume', () => {
    expect(new AgentSlots().tryEager('echo')).toBeUndefined();
    expect(slotsOf(10).slots.tryEager('llm')).toBeUndefined();
  });

  test('eager runs never take the last slot: BullMQ keeps one, and is told how many are lent', () => {
    const { slots, lent } = slotsOf(3);
    const a = slots.tryEager('echo');
    const b = slots.tryEager('echo');
    expect(a && b).toBeDefined();
    expect(slots.tryEager('echo')).toBeUndefined();
    expect(lent).toEqual([1, 2]);
    b!.executed();
    b!.executed(); // once only
    expect(lent).toEqual([1, 2, 1]);
  });

  test('a slot executing (BullMQ or eager) is taken; one recording its result is free for the next step', () => {
    const { slots } = slotsOf(3);
    const bullmq = [slots.begin('echo'), slots.begin('echo'), slots.begin('echo')];
    expect(slots.tryEager('echo')).toBeUndefined();
    bullmq[0]!(); // its agent finished: the step it makes ready may run here
    const eager = slots.tryEager('echo')!;
    expect(eager).toBeDefined();
    expect(slots.tryEager('echo')).toBeUndefined(); // 3 executing again
    eager.executed();
    bullmq[1]!();
    expect(slots.tryEager('echo')).toBeDefined(); // 1 executing, 1 eager in flight: one more may be lent
  });
});
