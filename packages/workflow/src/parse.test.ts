import { parseWorkflow } from './parse';

const expected = { name: 'w', steps: [{ id: 'a', agent: 'echo', input: { text: '{{ $input.text }}' } }] };

describe('parseWorkflow', () => {
  test.each<[string, unknown]>([
    ['JSON', JSON.stringify(expected)],
    ['YAML', 'name: w\nsteps:\n  - id: a\n    agent: echo\n    input: { text: "{{ $input.text }}" }\n'],
    ['YAML with comments and an anchor', 'name: w # the name\nx: &e echo\nsteps:\n  - { id: a, agent: *e, input: { text: "{{ $input.text }}" } }\n'],
    ['JSON with a trailing comma (read as YAML)', '{"name": "w", "steps": [{"id": "a", "agent": "echo", "input": {"text": "{{ $input.text }}"}}],}'],
  ])('reads %s', (_name, source) => {
    const result = parseWorkflow(source);
    expect(result.ok).toBe(true);
    const definition = (result as { definition: Record<string, unknown> }).definition;
    delete definition.x;
    expect(definition).toEqual(expected);
  });

  test.each<[unknown]>([[expected], [null], [42], [['a']]])('takes %j as already parsed', (value) => {
    expect(parseWorkflow(value)).toEqual({ ok: true, definition: value });
  });

  test.each<[string, unknown]>([
    ['', null],
    ['just text', 'just text'],
    ['42', 42],
  ])('leaves non-objects such as %j to validate', (source, definition) => {
    expect(parseWorkflow(source)).toEqual({ ok: true, definition });
  });

  test.each<[string, string[]]>([
    ['name: w\nsteps: [', ['not valid JSON or YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 9']],
    ['name: a\nname: b', ['not valid JSON or YAML: Map keys must be unique at line 2, column 1']],
    ['name: a\n---\nname: b', ['not valid JSON or YAML: Source contains multiple documents; please use YAML.parseAllDocuments() at line 2, column 1']],
    [
      'a: b: c\nd: "open',
      [
        'not valid JSON or YAML: Nested mappings are not allowed in compact mappings at line 1, column 4',
        expect.stringMatching(/^not valid JSON or YAML: Missing closing "quote at line 2/),
      ],
    ],
    ['steps: *nowhere', ['not valid YAML: Unresolved alias (the anchor must be set before the alias): nowhere']],
  ])('reports %j', (source, messages) => {
    expect(parseWorkflow(source)).toEqual({ ok: false, problems: messages.map((message) => ({ path: '', message })) });
  });

  test('refuses an alias bomb', () => {
    let source = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 10; i++) source += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    expect(parseWorkflow(source)).toEqual({
      ok: false,
      problems: [{ path: '', message: 'not valid YAML: Excessive alias count indicates a resource exhaustion attack' }],
    });
  });
});
