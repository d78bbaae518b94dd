import { describeError, selfContained, syntaxErrors } from './expression-syntax';

describe('selfContained', () => {
  test.each<[string, boolean]>([
    ['$input.a', true],
    ["$steps.classify.output.priority = 'high'", true],
    ["{'a': [1, (2)]}", true],
    ['$map($input.items, function($x){ $x * 2 })', true],
    ["'a, b; c / d'", true],
    ['"say \\"hi\\""', true],
    ['`odd, name`', true],
    ['/* a comment, with / and ; */ 1', true],
    ['', true],
    ['4 / 2', false],
    ['$match($s, /a+/)', false],
    ['/* open', false],
    ["'open", false],
    ['(1', false],
    ['1)', false],
    ['(1]', false],
    ['1, 2', false],
    ['($a := 1; $a)', true],
    ['$a := 1; $a', false],
  ])('%j → %s', (source, expected) => {
    expect(selfContained(source)).toBe(expected);
  });
});

describe('syntaxErrors', () => {
  test.each<[string, string[], Record<string, RegExp>]>([
    ['nothing', [], {}],
    ['one good expression', ['$input.one'], {}],
    ['good expressions, parsed together', ['$input.a', '$steps.b.output', "{'k': [1, 2]}", '$input.a'], {}],
    ['a bad expression among good ones', ['$input.c', '$input.d +', '$e.f'], { '$input.d +': /^Unexpected end of expression \(at character \d+\)$/ }],
    ['missing operators', ['$input.g $input.h', '1 2', '$i'], { '$input.g $input.h': /^Syntax error/, '1 2': /^Syntax error/ }],
    ['expressions that are not self-contained', ['4 / 2', '$match("a", /a/)', '1, 2', '$x := 1; $x', '(1'], {
      '1, 2': /^Syntax error: ","/,
      '$x := 1; $x': /^Syntax error: ";"/,
      '(1': /^Expected "\)" before end of expression/,
    }],
    ['a parent operator with no parent', ['%.a', 'a.%'], { '%.a': /^The object representing the 'parent' cannot be derived/ }],
    ['bad literals', ["'\\q'", '1e400', '$ok'], { "'\\q'": /^Unsupported escape sequence/, '1e400': /^Number out of range/ }],
  ])('%s', (_name, sources, expected) => {
    const errors = syntaxErrors(sources);
    expect([...errors.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [source, message] of Object.entries(expected)) expect(errors.get(source)).toMatch(message);
  });

  test('a source found good once is not parsed again', () => {
    expect(syntaxErrors(['$input.known', '$input.also'])).toEqual(new Map());
    expect(syntaxErrors(['$input.known', '$input.also'])).toEqual(new Map());
  });
});

describe('describeError', () => {
  test.each<[unknown, string]>([
    [{ message: 'Syntax error: ")"', position: 3 }, 'Syntax error: ")" (at character 3)'],
    [new RangeError('Maximum call stack size exceeded'), 'Maximum call stack size exceeded'],
  ])('%j', (err, expected) => {
    expect(describeError(err)).toBe(expected);
  });
});
