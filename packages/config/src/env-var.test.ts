import { z } from 'zod';
import { emptyAsUnset, envVar } from './env-var';

const parse = (schema: z.ZodTypeAny, value: string | undefined) => schema.safeParse(value);
const ok = (schema: z.ZodTypeAny, value: string | undefined): unknown => {
  const result = parse(schema, value);
  if (!result.success) throw new Error(result.error.issues[0]!.message);
  return result.data;
};
const refusal = (schema: z.ZodTypeAny, value: string): string => {
  const result = parse(schema, value);
  if (result.success) throw new Error(`accepted ${JSON.stringify(value)}`);
  return result.error.issues[0]!.message;
};

describe('envVar', () => {
  test('emptyAsUnset turns only the empty string into undefined', () => {
    expect([emptyAsUnset(''), emptyAsUnset(' '), emptyAsUnset('0'), emptyAsUnset(undefined)]).toEqual([undefined, ' ', '0', undefined]);
  });

  const integer = envVar.integer(1, 1_000_000_000, 42);
  test.each([
    [undefined, 42], ['', 42], ['1', 1], [' 7 ', 7], ['1000000000', 1_000_000_000],
  ])('integer reads %j as %j', (value, expected) => {
    expect(ok(integer, value)).toBe(expected);
  });
  test.each(['0', '1000000001', '-1', '3.5', '1e3', '0x10', 'ten', ' '])('integer refuses %j', (value) => {
    expect(refusal(integer, value)).toBe('must be an integer between 1 and 1000000000');
  });

  const url = envVar.url(['redis:', 'rediss:'], 'redis://default');
  test.each([[undefined, 'redis://default'], ['', 'redis://default'], ['rediss://h:6380', 'rediss://h:6380']])('url reads %j', (value, expected) => {
    expect(ok(url, value)).toBe(expected);
  });
  test.each(['http://x', 'redis', 'not a url'])('url refuses %j', (value) => {
    expect(refusal(url, value)).toBe('must be a URL starting with redis:// or rediss://');
  });

  const oneOf = envVar.oneOf(['on', 'off'], 'off');
  test('oneOf reads one of its values, the default when unset or empty', () => {
    expect([ok(oneOf, 'on'), ok(oneOf, ''), ok(oneOf, undefined)]).toEqual(['on', 'off', 'off']);
    expect(refusal(oneOf, 'ON')).toBe('must be one of on, off');
  });

  test('matching reads text of its pattern', () => {
    const prefix = envVar.matching(/^[a-z]+$/, 'must be lowercase letters', 'baton');
    expect([ok(prefix, 'abc'), ok(prefix, '')]).toEqual(['abc', 'baton']);
    expect(refusal(prefix, 'a:b')).toBe('must be lowercase letters');
  });

  test('text reads any text, the default when empty', () => {
    expect([ok(envVar.text('0.0.0.0'), '::1'), ok(envVar.text('0.0.0.0'), '')]).toEqual(['::1', '0.0.0.0']);
  });

  test('list splits on commas, trims, drops empty items; unset or empty is undefined', () => {
    const list = envVar.list();
    expect([ok(list, ' a, b ,,c '), ok(list, ''), ok(list, undefined), ok(list, ',')]).toEqual([['a', 'b', 'c'], undefined, undefined, []]);
  });

  test('json parses, then checks with its schema; unset or empty is undefined', () => {
    const json = envVar.json(z.record(z.string(), z.number()));
    expect([ok(json, '{"a":1}'), ok(json, ''), ok(json, undefined)]).toEqual([{ a: 1 }, undefined, undefined]);
    expect(refusal(json, '{ nope')).toBe('not JSON: unexpected character at position 2');
    // JSON.parse's own message would quote the text, which may hold a password.
    expect(refusal(json, 'amqp://u:hunter2@mq')).toBe('not JSON: it ends too early or is not JSON text');
    expect(refusal(json, '{"a":"x"}')).toMatch(/Expected number/);
  });
});
