import { FailureRateTrip, autoPauseSchema } from './auto-pause';

describe('autoPauseSchema', () => {
  it('reads the rate, the window and the minimum of attempts', () => {
    expect(autoPauseSchema.parse('failureRate=0.5,window=60s,minSteps=20')).toEqual({ failureRate: 0.5, windowMs: 60_000, minSteps: 20 });
    expect(autoPauseSchema.parse('window=2m, failureRate=1, minSteps=1')).toEqual({ failureRate: 1, windowMs: 120_000, minSteps: 1 });
    expect(autoPauseSchema.parse('failureRate=0.25,window=500ms,minSteps=3').windowMs).toBe(500);
  });

  it.each([
    'failureRate=0,window=60s,minSteps=20',
    'failureRate=1.5,window=60s,minSteps=20',
    'failureRate=0.5,window=60,minSteps=20',
    'failureRate=0.5,window=60s,minSteps=0',
    'failureRate=0.5,window=60s',
    'failureRate=0.5,window=60s,minSteps=20,extra=1',
    'nonsense',
  ])('refuses %s', (text) => {
    expect(autoPauseSchema.safeParse(text).success).toBe(false);
  });
});

describe('FailureRateTrip', () => {
  const config = { failureRate: 0.5, windowMs: 1000, minSteps: 4 };

  it('trips once the window holds enough attempts and the rate reaches the threshold, then starts again', () => {
    const trip = new FailureRateTrip(config);
    expect(trip.record('http', true, 0)).toBeUndefined();
    expect(trip.record('http', true, 10)).toBeUndefined();
    expect(trip.record('http', false, 20)).toBeUndefined();
    expect(trip.record('http', true, 30)).toBe(0.75);
    expect(trip.record('http', true, 40)).toBeUndefined();
  });

  it('forgets attempts older than the window and counts each agent apart', () => {
    const trip = new FailureRateTrip(config);
    for (const at of [0, 1, 2]) trip.record('http', true, at);
    trip.record('echo', true, 3);
    expect(trip.record('http', false, 1500)).toBeUndefined();
    for (const at of [1501, 1502, 1503]) trip.record('http', false, at);
    expect(trip.record('http', true, 1504)).toBeUndefined();
  });
});

describe('FailureRateTrip over a long, busy window', () => {
  it('keeps its count right as old attempts slide out', () => {
    const trip = new FailureRateTrip({ failureRate: 0.9, windowMs: 100, minSteps: 50 });
    // 3000 successes, one per ms: the window never trips and holds about 100 at a time.
    for (let at = 0; at < 3000; at++) expect(trip.record('echo', false, at)).toBeUndefined();
    let tripped: number | undefined;
    for (let at = 3000; at < 3200 && tripped === undefined; at++) tripped = trip.record('echo', true, at);
    expect(tripped).toBeGreaterThanOrEqual(0.9);
  });
});
