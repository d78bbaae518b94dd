import { bullmqPriority } from './bullmq-step-queue';

describe('bullmqPriority', () => {
  it('maps 1..10 (10 most urgent) onto BullMQ 10..1 (lower runs first)', () => {
    expect([10, 9, 6, 5, 4, 1].map(bullmqPriority)).toEqual([1, 2, 5, 6, 7, 10]);
  });

  it('gives the default 5 a priority too, so more urgent jobs can overtake it', () => {
    expect(bullmqPriority(5)).toBeGreaterThan(bullmqPriority(6));
    expect(bullmqPriority(5)).toBeGreaterThan(0);
  });

  it.each([0, 11, 5.5, NaN])('refuses %p', (priority) => {
    expect(() => bullmqPriority(priority)).toThrow(RangeError);
  });
});
