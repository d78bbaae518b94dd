import jsonata from 'jsonata';
import { LINEAR_REGEX_ENGINE, LinearRegExp, MAX_PATTERN_LENGTH, MAX_PATTERN_PROGRAM, UnsupportedRegExpError, regExpProblem } from './linear-regexp';

/** The result as plain JSON (JSONata marks its sequences). */
async function evaluate(expression: string): Promise<unknown> {
  const result: unknown = await jsonata(expression, { RegexEngine: LINEAR_REGEX_ENGINE }).evaluate({});
  return result === undefined ? undefined : JSON.parse(JSON.stringify(result));
}

describe('LinearRegExp', () => {
  test('answers a pattern that backtracks exponentially in JavaScript', () => {
    // Natively, 40 characters would take days; each one more doubles the time.
    expect(new LinearRegExp('^(a+)+$').test(`${'a'.repeat(40)}!`)).toBe(false);
    expect(new LinearRegExp('^(a+)+$').test('a'.repeat(40))).toBe(true);
  });

  test('exec gives what RegExp.prototype.exec gives: the match, groups (undefined when unused), index and input', () => {
    const native = /(b)(x)?/.exec('😀ab');
    const linear = new LinearRegExp('(b)(x)?').exec('😀ab');
    expect(linear).toEqual(native);
    expect(linear?.index).toBe(3); // in UTF-16 units, as JavaScript counts
    expect(linear?.input).toBe('😀ab');
    expect(new LinearRegExp('z').exec('abc')).toBeNull();
  });

  test('a global pattern searches from lastIndex and moves it; a miss resets it', () => {
    const re = new LinearRegExp('[0-9]+', 'g');
    expect(re.exec('a1b22c333')?.[0]).toBe('1');
    expect(re.lastIndex).toBe(2);
    expect(re.exec('a1b22c333')?.[0]).toBe('22');
    expect(re.test('a1b22c333')).toBe(true);
    expect(re.lastIndex).toBe(9);
    expect(re.exec('a1b22c333')).toBeNull();
    expect(re.lastIndex).toBe(0);
    re.lastIndex = 100;
    expect(re.exec('a1')).toBeNull();
    expect(re.lastIndex).toBe(0);
  });

  test('a pattern that is not global ignores lastIndex', () => {
    const re = new LinearRegExp('a');
    re.lastIndex = 5;
    expect(re.exec('abca')?.index).toBe(0);
    expect(re.lastIndex).toBe(5);
  });

  test('takes a RegExp with its flags, and prints as one', () => {
    const re = new LinearRegExp(/ab+c/gi);
    expect([re.source, re.flags, String(re)]).toEqual(['ab+c', 'gi', '/ab+c/gi']);
    expect(re.test('xABBC')).toBe(true);
    expect(new LinearRegExp('^b', 'm').test('a\nb')).toBe(true);
  });

  test.each<[string, RegExp]>([
    ['(a)\\1', /is not supported: invalid escape sequence: `\\1`/],
    ['a(?=b)', /is not supported: invalid or unsupported Perl syntax: `\(\?=`/],
    ['(?<!a)b', /is not supported/],
    ['x{1001}', /invalid repeat count/],
    ['[a-z]{300}[a-z]{300}[a-z]{300}[a-z]{300}', new RegExp(`too complex \\(\\d+ instructions, at most ${MAX_PATTERN_PROGRAM}\\)`)],
    ['a'.repeat(MAX_PATTERN_LENGTH + 1), /longer than 1000 characters/],
  ])('refuses %s, which it cannot run in linear time', (pattern, message) => {
    expect(() => new LinearRegExp(pattern)).toThrow(UnsupportedRegExpError);
    expect(regExpProblem(pattern)).toMatch(message);
    expect(regExpProblem(pattern)).toMatch(/no backreferences or lookarounds\)$/);
  });

  test('a pattern of Baton’s own is not held to the bounds of a client’s', () => {
    expect(new LinearRegExp('[a-z]{300}[a-z]{300}[a-z]{300}[a-z]{300}', undefined, false).test('a'.repeat(1200))).toBe(true);
  });

  test('a pattern that is not JavaScript is a SyntaxError, as RegExp throws', () => {
    expect(() => new LinearRegExp('[')).toThrow(SyntaxError);
    expect(regExpProblem('[')).toMatch(/Invalid regular expression/);
    expect(regExpProblem('a+')).toBeUndefined();
  });
});

describe('LINEAR_REGEX_ENGINE in JSONata', () => {
  test.each<[string, unknown]>([
    ['$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+$/)', undefined],
    ['$match("ab12cd345", /[0-9]+/).match', ['12', '345']],
    ['$match("ab12cd345", /[0-9]+/, 1).index', 2],
    ['$replace("a-b-c", /-/, "+")', 'a+b+c'],
    ['$replace("abc", /(b)/, "[$1]")', 'a[b]c'],
    ['$split("a1b22c", /[0-9]+/)', ['a', 'b', 'c']],
    ['$contains("Hello", /L+/i)', true],
    ['$contains("Hello", /z/)', false],
  ])('%s', async (expression, expected) => {
    expect(await evaluate(expression)).toEqual(expected);
  });

  test('an unsupported pattern fails the evaluation with the reason', async () => {
    await expect(evaluate('$match("aa", /(a)\\1/)')).rejects.toThrow(/regular expression \/\(a\)\\1\/ is not supported/);
  });
});
