import { ExpressionError } from './index';
import { compileTemplate } from './template';

// What an expression makes is stored as it is, or refused with a reason: never changed unseen.

test('a key __proto__ stays an own key of the object built, literal or evaluated', async () => {
  const template = compileTemplate(JSON.parse('{"__proto__": {"kept": "{{ $input.v }}"}, "made": "{{ $input.o }}"}') as unknown, 'input');
  const o = JSON.parse('{"__proto__": 1}') as unknown;
  const out = (await template.evaluate({ input: { v: 2, o } })) as Record<string, unknown>;
  expect(Object.keys(out)).toEqual(['__proto__', 'made']);
  expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ kept: 2 });
  expect(Object.getOwnPropertyDescriptor(out.made, '__proto__')?.value).toBe(1);
  expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
});

test.each([
  ["{{ $split('😀', '')[0] }}", 'a lone surrogate'],
  ["{{ {'k': $decodeUrlComponent('%00')} }}", 'a NUL'],
  ["text around {{ $decodeUrlComponent('%00') }}", 'a NUL inside text'],
])('%s (%s) fails the evaluation, naming the field', async (source) => {
  const evaluation = compileTemplate({ s: source }, 'steps[0].input').evaluate({});
  await expect(evaluation).rejects.toThrow(ExpressionError);
  await expect(compileTemplate({ s: source }, 'steps[0].input').evaluate({})).rejects.toThrow(
    'steps[0].input.s: the result holds \\u0000 or a lone UTF-16 surrogate, which cannot be stored',
  );
});

test('a whole surrogate pair, or the text \\u0000, is fine', async () => {
  expect(await compileTemplate("{{ $split('😀 ', ' ')[0] }}", 'f').evaluate({})).toBe('😀');
  expect(await compileTemplate('{{ "\\\\u0000" }}', 'f').evaluate({})).toBe('\\u0000');
});
