import { formatPath, joinPath } from './problem';

describe('joinPath', () => {
  test.each([
    ['', 'name', 'name'],
    ['steps', 2, 'steps[2]'],
    ['steps[2]', 'needs', 'steps[2].needs'],
    ['input', 'max-tokens', 'input.max-tokens'],
    ['input', '$ref', 'input.$ref'],
    ['input', 'a.b', 'input["a.b"]'],
    ['input', '0', 'input["0"]'],
    ['input', '', 'input[""]'],
    ['', 'two words', '["two words"]'],
  ])('%j + %j → %s', (base, segment, expected) => {
    expect(joinPath(base, segment)).toBe(expected);
  });
});

describe('formatPath', () => {
  test.each([
    [[], '', ''],
    [['steps', 2, 'needs', 0], '', 'steps[2].needs[0]'],
    [['ticket', 'body'], 'input', 'input.ticket.body'],
    [['items', 3], 'input', 'input.items[3]'],
  ])('%j from %j → %s', (segments, base, expected) => {
    expect(formatPath(segments as (string | number)[], base)).toBe(expected);
  });
});
