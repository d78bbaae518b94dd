import { within } from './within';

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('within', () => {
  it('answers the work when it settles in time', async () => {
    expect(await within(after(5, 'done'), 200, () => 'late')).toBe('done');
  });

  it('answers onTimeout when the work takes longer', async () => {
    const started = Date.now();
    expect(await within(after(1000, 'done'), 20, () => 'late')).toBe('late');
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('passes the work\'s rejection through', async () => {
    await expect(within(Promise.reject(new Error('refused')), 200, () => 'late')).rejects.toThrow('refused');
  });

  it('rejects with what onTimeout throws', async () => {
    await expect(within(after(1000, 'done'), 10, () => { throw new Error('no answer'); })).rejects.toThrow('no answer');
  });

  it('clears its timer, so onTimeout never runs after the work won', async () => {
    const onTimeout = jest.fn(() => 'late');
    await within(Promise.resolve('done'), 10, onTimeout);
    await after(30, undefined);
    expect(onTimeout).not.toHaveBeenCalled();
  });
});
