import { whenReachable } from './migrate-when-reachable';

const logger = () => ({ warn: jest.fn(), error: jest.fn(), info: jest.fn(), debug: jest.fn() });
const adminShutdown = () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });

describe('whenReachable', () => {
  it('retries while Postgres is away, then answers what the work returned', async () => {
    const log = logger();
    let calls = 0;
    const result = await whenReachable('the work', async () => {
      calls++;
      if (calls === 1) throw adminShutdown();
      return 'done';
    }, log);
    expect(result).toBe('done');
    expect(calls).toBe(2);
    expect(log.warn).toHaveBeenCalledWith('postgres unreachable; retrying the work', expect.objectContaining({ attempt: 1 }));
  });

  it('recognises an outage wrapped in a cause (a failed migration says why in its cause)', async () => {
    let calls = 0;
    await whenReachable('migrations', async () => {
      if (++calls === 1) throw new Error('migration 0001_runs failed', { cause: adminShutdown() });
    }, logger());
    expect(calls).toBe(2);
  });

  it('throws any other failure at once', async () => {
    const log = logger();
    let calls = 0;
    const bug = Object.assign(new Error('relation "runs" does not exist'), { code: '42P01' });
    await expect(whenReachable('the work', async () => {
      calls++;
      throw bug;
    }, log)).rejects.toBe(bug);
    expect(calls).toBe(1);
    expect(log.warn).not.toHaveBeenCalled();
  });
});
