import { splitTemplate } from './split-template';

describe('splitTemplate', () => {
  test.each([
    ['plain text', [{ text: 'plain text' }]],
    ['', []],
    ['{{ $input }}', [{ expression: '$input' }]],
    ['Hi {{ $input.name }}!', [{ text: 'Hi ' }, { expression: '$input.name' }, { text: '!' }]],
    ['{{ 1 }}{{ 2 }}', [{ expression: '1' }, { expression: '2' }]],
    ['{{}}', [{ expression: '' }]],
    ["{{ {'a': {'b': 1}} }}", [{ expression: "{'a': {'b': 1}}" }]],
    ["{{ {'a':1}}}", [{ expression: "{'a':1}" }]],
    ["{{ '}}' }}", [{ expression: "'}}'" }]],
    ['{{ "}}" }}', [{ expression: '"}}"' }]],
    ["{{ 'it\\'s }}' }}", [{ expression: "'it\\'s }}'" }]],
    ['{{ $.`a}}\\` }}', [{ expression: '$.`a}}\\`' }]],
    ['{{ /* }} */ 1 }}', [{ expression: '/* }} */ 1' }]],
    ['{{ 4 / 2 }}', [{ expression: '4 / 2' }]],
    ['{{ a } }}', [{ expression: 'a }' }]],
    ['{{ 1 }}}', [{ expression: '1' }, { text: '}' }]],
    ['a }} b', [{ text: 'a }} b' }]],
  ])('%j', (value, parts) => {
    expect(splitTemplate(value)).toEqual({ ok: true, parts });
  });

  test.each([
    ['{{ $input', 0],
    ['x {{ $input }', 2],
    ["{{ 'open }}", 0],
    ['{{ /* open }}', 0],
    ["{{ {'a': 1 }}", 0],
    ['{{ 1 }} and {{ 2', 12],
  ])('%j is not closed', (value, at) => {
    expect(splitTemplate(value)).toEqual({ ok: false, message: `"{{" at character ${at} has no matching "}}"` });
  });
});
