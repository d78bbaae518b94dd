import { followLogLevel, type Logger } from './logger';

test('followLogLevel: a set level wins, unset goes back to the configured one, never set leaves the logger alone', () => {
  const levels: string[] = [];
  const logger = { setLevel: (level: string) => void levels.push(level) } as unknown as Logger;
  const apply = followLogLevel(logger, 'info');
  apply(undefined);
  expect(levels).toEqual([]);
  apply('debug');
  apply('warn');
  apply(undefined);
  apply(undefined);
  expect(levels).toEqual(['debug', 'warn', 'info']);
});
