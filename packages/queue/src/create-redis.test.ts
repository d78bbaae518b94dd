import { reconnectDelay } from './create-redis';

describe('reconnectDelay', () => {
  it('backs off, caps at about 5 s and never gives up', () => {
    expect(reconnectDelay(1)).toBeGreaterThanOrEqual(200);
    expect(reconnectDelay(1)).toBeLessThan(300);
    expect(reconnectDelay(10)).toBeGreaterThanOrEqual(2000);
    for (const times of [25, 100, 10_000]) {
      expect(reconnectDelay(times)).toBeGreaterThanOrEqual(5000);
      expect(reconnectDelay(times)).toBeLessThan(5100);
    }
  });
});
