import { scheduleProblems } from './schedule-problems';
import { validate } from './validate';

describe('scheduleProblems', () => {
  it('accepts five and six fields, aliases and a known time zone', () => {
    expect(scheduleProblems({ cron: '0 3 * * *' })).toEqual([]);
    expect(scheduleProblems({ cron: '*/5 * * * * *', timezone: 'Europe/Paris' })).toEqual([]);
    expect(scheduleProblems({ cron: '@daily', timezone: 'UTC' })).toEqual([]);
  });

  it('names a bad cron expression and an unknown time zone', () => {
    expect(scheduleProblems({ cron: '61 * * * *' })).toEqual([{ path: 'schedule.cron', message: expect.stringContaining('not a valid cron expression: ') }]);
    expect(scheduleProblems({ cron: 'every day' })).toEqual([{ path: 'schedule.cron', message: expect.stringContaining('not a valid cron expression') }]);
    expect(scheduleProblems({ cron: '* * * * *', timezone: 'Mars/Olympus' })).toEqual([
      { path: 'schedule.timezone', message: "unknown time zone 'Mars/Olympus': use an IANA name such as Europe/Paris" },
    ]);
  });

  it('leaves shapes to the schema: no schedule, not an object, no cron string', () => {
    expect(scheduleProblems(undefined)).toEqual([]);
    expect(scheduleProblems('0 3 * * *')).toEqual([]);
    expect(scheduleProblems({ cron: 5 })).toEqual([]);
  });

  it('is part of validation, with `on` and `schedule` in the language', () => {
    const steps = [{ id: 'a', agent: 'echo' }];
    const ok = validate({ name: 'nightly', steps, schedule: { cron: '0 3 * * *', timezone: 'UTC', input: { day: 1 } }, on: ['ticket.created'] });
    expect(ok.ok && ok.workflow.schedule).toEqual({ cron: '0 3 * * *', timezone: 'UTC', input: { day: 1 } });
    expect(ok.ok && ok.workflow.on).toEqual(['ticket.created']);
    const bad = validate({ name: 'nightly', steps, schedule: { cron: 'x y' }, on: ['no spaces'] });
    expect(bad.ok ? [] : bad.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['schedule.cron', 'on[0]']));
  });
});
