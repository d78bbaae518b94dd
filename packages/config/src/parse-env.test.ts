import { z } from 'zod';
import { ConfigError } from './config-error';
import { envVar } from './env-var';
import { parseEnv } from './parse-env';

const schema = z
  .object({
    SIZE: envVar.integer(1, 10, 5),
    TOKEN: envVar.matching(/^.{8,}$/, 'must be 8+ characters', 'default-token'),
    MAP: envVar.json(z.record(z.string(), z.record(z.string(), z.unknown()))),
  })
  .superRefine((c, ctx) => {
    if (c.SIZE === 7) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'seven is unlucky' });
  });

const errorOf = (env: Record<string, string | undefined>): ConfigError => {
  try {
    parseEnv(schema, env, { title: 'invalid test configuration', secrets: ['TOKEN', 'MAP'] });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('parsed');
};

describe('parseEnv', () => {
  test('returns the parsed values, ignoring variables the schema does not name', () => {
    expect(parseEnv(schema, { SIZE: '3', OTHER: 'x' })).toEqual({ SIZE: 3, TOKEN: 'default-token', MAP: undefined });
  });

  test('names every bad variable, one line each, showing values except secrets', () => {
    const error = errorOf({ SIZE: 'huge', TOKEN: 'hunter2', MAP: '{"a":1}' });
    expect(error.message.split('\n')).toEqual([
      'invalid test configuration:',
      '  - SIZE: must be an integer between 1 and 10 (got "huge")',
      '  - TOKEN: must be 8+ characters',
      '  - MAP.a: Expected object, received number',
    ]);
    expect(error.problems.map((p) => p.variable)).toEqual(['SIZE', 'TOKEN', 'MAP.a']);
    expect(error.name).toBe('ConfigError');
  });

  test('a check of the whole config without a path is reported as "config"', () => {
    expect(errorOf({ SIZE: '7' }).message).toBe('invalid test configuration:\n  - config: seven is unlucky');
  });

  test('a long value is shown cut short', () => {
    const line = errorOf({ SIZE: 'x'.repeat(500) }).message.split('\n')[1]!;
    expect(line).toBe(`  - SIZE: must be an integer between 1 and 10 (got "${'x'.repeat(79)}…)`);
  });

  test('the title defaults to "invalid configuration"', () => {
    expect(() => parseEnv(schema, { SIZE: '0' })).toThrow(/^invalid configuration:\n {2}- SIZE: /);
  });
});
