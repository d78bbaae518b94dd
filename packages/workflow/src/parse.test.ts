import { DEFAULT_MAX_YAML_NODES, parseWorkflow } from './parse';

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

  const bomb = (levels: number) => {
    let source = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < levels; i++) source += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    return source;
  };

  test('refuses an alias bomb by the nodes it would expand to', () => {
    expect(DEFAULT_MAX_YAML_NODES).toBe(200_000);
    expect(parseWorkflow(bomb(10))).toEqual({
      ok: false,
      problems: [{ path: '', message: 'not valid YAML: more than 200000 nodes once its aliases are expanded (BATON_MAX_YAML_NODES)' }],
    });
  });

  test('still counts aliases under a larger node limit', () => {
    expect(parseWorkflow(bomb(10), { maxYamlNodes: 1e12 })).toEqual({
      ok: false,
      problems: [{ path: '', message: 'not valid YAML: Excessive alias count indicates a resource exhaustion attack' }],
    });
  });

  test('bounds the expanded size, not the number of aliases: 99 aliases to a list of 40,000', () => {
    let source = `list: &l [${Array(40_000).fill('1').join(',')}]\n`;
    for (let i = 0; i < 99; i++) source += `k${i}: *l\n`;
    expect(parseWorkflow(source)).toEqual({
      ok: false,
      problems: [{ path: '', message: 'not valid YAML: more than 200000 nodes once its aliases are expanded (BATON_MAX_YAML_NODES)' }],
    });
    // One alias fewer than the limit allows passes: the count is exact.
    const small = `list: &l [1, 2]\na: *l\nb: *l\n`; // map 1 + 3 keys + list 3 + 2 aliases × 3
    expect(parseWorkflow(small, { maxYamlNodes: 13 })).toEqual({ ok: true, definition: { list: [1, 2], a: [1, 2], b: [1, 2] } });
    expect(parseWorkflow(small, { maxYamlNodes: 12 })).toMatchObject({ ok: false });
  });

  test.each<[string, string]>([
    ['a: &a [1, *a]', 'a sequence'],
    ['a: &a { b: *a }', 'a mapping'],
  ])('refuses %j, an alias inside its own anchor (%s)', (source) => {
    expect(parseWorkflow(source)).toEqual({ ok: false, problems: [{ path: '', message: 'not valid YAML: an alias refers to a node that contains it' }] });
  });

  test('counts aliases to scalars and anchored keys', () => {
    // The map, and three keys and values: an alias to a scalar is one node.
    const source = '? &k key\n: &v value\nother: *v\nagain: *k\n';
    expect(parseWorkflow(source, { maxYamlNodes: 7 })).toEqual({ ok: true, definition: { key: 'value', other: 'value', again: 'key' } });
    expect(parseWorkflow(source, { maxYamlNodes: 6 })).toMatchObject({ ok: false });
  });
});
