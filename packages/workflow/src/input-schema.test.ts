import { DEFAULT_MAX_INPUT_ARRAY_ITEMS, inputSchemaError, validateInput, withInputDefaults } from './input-schema';

const ticketSchema = {
  type: 'object',
  required: ['ticket'],
  additionalProperties: false,
  properties: {
    ticket: {
      type: 'object',
      required: ['body'],
      properties: {
        body: { type: 'string', minLength: 1 },
        reporter: { type: 'string', format: 'email' },
        priority: { enum: ['low', 'high', 3] },
        tags: { type: 'array', items: { type: 'string' } },
        'a/b~c': { type: 'number' },
      },
    },
    '0': { type: 'string' },
  },
};

describe('validateInput', () => {
  test.each<[string, unknown, { path: string; message: string }[]]>([
    ['a valid input', { ticket: { body: 'hi', reporter: 'ann@example.com', tags: ['x'] } }, []],
    ['a missing property', {}, [{ path: 'input.ticket', message: 'is required' }]],
    ['a nested missing property', { ticket: {} }, [{ path: 'input.ticket.body', message: 'is required' }]],
    ['an extra property', { ticket: { body: 'x' }, extra: 1 }, [{ path: 'input.extra', message: 'is not allowed' }]],
    ['a wrong type at the root', 'text', [{ path: 'input', message: 'must be object' }]],
    ['no input at all', undefined, [{ path: 'input', message: 'must be object' }]],
    ['a format', { ticket: { body: 'x', reporter: 'nope' } }, [{ path: 'input.ticket.reporter', message: 'must match format "email"' }]],
    ['an enum', { ticket: { body: 'x', priority: 'mid' } }, [{ path: 'input.ticket.priority', message: 'must be one of "low", "high", 3' }]],
    ['an array item', { ticket: { body: 'x', tags: ['a', 2] } }, [{ path: 'input.ticket.tags[1]', message: 'must be string' }]],
    ['an escaped key', { ticket: { body: 'x', 'a/b~c': 'n' } }, [{ path: 'input.ticket["a/b~c"]', message: 'must be number' }]],
    ['a numeric key of an object', { ticket: { body: 'x' }, '0': 1 }, [{ path: 'input["0"]', message: 'must be string' }]],
    [
      'every problem at once',
      { ticket: { body: '', tags: 'x' }, more: true },
      [
        { path: 'input.more', message: 'is not allowed' },
        { path: 'input.ticket.body', message: 'must NOT have fewer than 1 characters' },
        { path: 'input.ticket.tags', message: 'must be array' },
      ],
    ],
  ])('%s', (_name, input, problems) => {
    expect(validateInput(ticketSchema, input)).toEqual(problems);
  });

  test('no schema accepts anything', () => {
    expect(validateInput(undefined, { anything: 1 })).toEqual([]);
  });

  test('a schema is compiled once per JSON text, and the same text in a new object hits the cache', () => {
    const copy = JSON.parse(JSON.stringify(ticketSchema)) as object;
    expect(validateInput(copy, {})).toEqual([{ path: 'input.ticket', message: 'is required' }]);
  });

  test('schemas with the same $id do not clash', () => {
    expect(validateInput({ $id: 'https://example.com/t', type: 'string' }, 'x')).toEqual([]);
    expect(validateInput({ $id: 'https://example.com/t', type: 'number' }, 1)).toEqual([]);
    expect(validateInput({ properties: { a: { $id: 'https://example.com/inner', type: 'string' } } }, { a: 'x' })).toEqual([]);
    expect(validateInput({ properties: { a: { $id: 'https://example.com/inner', type: 'number' } } }, { a: 1 })).toEqual([]);
  });

  test('an invalid schema is one problem', () => {
    expect(validateInput({ type: 'nope' }, {})).toEqual([
      { path: 'input', message: expect.stringMatching(/^the workflow's input schema is invalid: schema is invalid: data\/type must be/) },
    ]);
  });
});

describe('validateInput: hostile inputs and schemas', () => {
  test('pattern and patternProperties run on the linear engine: a pattern that backtracks answers at once', () => {
    // Natively, 25 "a" and a "!" took 1.3 s, doubling with each character more.
    const input = `${'a'.repeat(60)}!`;
    expect(validateInput({ type: 'string', pattern: '^(a+)+$' }, input)).toEqual([{ path: 'input', message: 'must match pattern "^(a+)+$"' }]);
    expect(validateInput({ type: 'string', pattern: '^(a+)+$' }, 'aaa')).toEqual([]);
    const keyed = { type: 'object', patternProperties: { '^(a+)+$': { type: 'number' } }, additionalProperties: { type: 'string' } };
    expect(validateInput(keyed, { [input]: 'x', aaa: 'y' })).toEqual([{ path: 'input.aaa', message: 'must be number' }]);
  });

  test.each([
    ['url', 'http://example.com/a?b=c', 'http://' + ':'.repeat(20_000)], // natively quadratic: 0.9 s
    ['url', 'http://8.8.8.8:8080/x', 'http://10.1.2.3/x'],
    ['url', 'ftp://user:pw@host.example.org', 'http://172.16.0.1'],
    ['hostname', 'a.example.com.', `${'a.'.repeat(127)}a`],
    ['hostname', 'localhost', '-leading.dash'],
    ['duration', 'P1Y2M3DT4H5M6S', 'PT'],
    ['duration', 'P2W', 'P'],
    ['duration', 'PT36H', 'P1YT'],
    ['email', 'ann@example.com', 'ann@@example.com'],
    ['ipv6', '::1', ':::1'],
    ['uuid', '123e4567-e89b-12d3-a456-426614174000', '123e4567'],
    ['uri-reference', '../a?b#c', 'a b'],
  ])('format %s runs in linear time: accepts %j, refuses %j', (format, good, bad) => {
    const schema = { type: 'string', format };
    expect(validateInput(schema, good)).toEqual([]);
    expect(validateInput(schema, bad)).toEqual([{ path: 'input', message: `must match format "${format}"` }]);
  });

  test('uniqueItems compares in linear time, with ajv\'s message; key order does not make items different', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => ({ i, tags: [i] }));
    const schema = { type: 'array', uniqueItems: true };
    expect(validateInput(schema, items)).toEqual([]);
    expect(validateInput(schema, [...items.slice(0, 5), { tags: [3], i: 3 }])).toEqual([
      { path: 'input', message: 'must NOT have duplicate items (items ## 3 and 5 are identical)' },
    ]);
    expect(validateInput(schema, [1, '1', null, 'null', [1], [1, 2], [2, 1], { a: 1 }, { a: '1' }, { a: 1, b: 2 }])).toEqual([]);
    expect(validateInput({ type: 'array', uniqueItems: false }, [1, 1])).toEqual([]);
    expect(validateInput({ properties: { a: { uniqueItems: true } } }, { a: 'not an array' })).toEqual([]);
  });

  test('an array longer than the limit is refused before the schema is checked, naming the limit', () => {
    expect(DEFAULT_MAX_INPUT_ARRAY_ITEMS).toBe(10_000);
    const input = { rows: Array.from({ length: 10_001 }, () => 'x'), nested: [[1, 2, 3]] };
    const problem = { path: 'input.rows', message: 'has 10001 items, more than 10000 (BATON_MAX_INPUT_ARRAY_ITEMS)' };
    expect(validateInput({ type: 'object', properties: { rows: { uniqueItems: true } } }, input)).toEqual([problem]);
    expect(validateInput(undefined, input)).toEqual([problem]);
    expect(validateInput(undefined, input, { maxArrayItems: 2 })).toEqual([
      { path: 'input.nested[0]', message: 'has 3 items, more than 2 (BATON_MAX_INPUT_ARRAY_ITEMS)' },
      problem.path === 'input.rows' ? { path: 'input.rows', message: 'has 10001 items, more than 2 (BATON_MAX_INPUT_ARRAY_ITEMS)' } : problem,
    ]);
    expect(validateInput(undefined, [1, 2], { maxArrayItems: 2 })).toEqual([]);
  });

  test('reports at most 20 long arrays', () => {
    const input = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, [1, 2]]));
    expect(validateInput(undefined, input, { maxArrayItems: 1 })).toHaveLength(20);
  });
});

describe('inputSchemaError', () => {
  test.each<[object, RegExp | undefined]>([
    [{ type: 'object', properties: { a: { type: 'string', format: 'date-time' } } }, undefined],
    [{ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' }, undefined],
    [{}, undefined],
    [{ type: 'nope' }, /^schema is invalid: data\/type must be equal to one of the allowed values/],
    [{ minimum: 'x' }, /^schema is invalid: data\/minimum must be number$/],
    [{ requried: ['a'] }, /^strict mode: unknown keyword: "requried"$/],
    [{ type: 'string', format: 'postcode' }, /^unknown format "postcode"/],
    [{ $ref: '#/definitions/missing' }, /^can't resolve reference #\/definitions\/missing/],
    [{ $ref: 'https://example.com/remote.json' }, /^can't resolve reference https:\/\/example.com\/remote.json/],
    [{ $schema: 'https://json-schema.org/draft/2020-12/schema' }, /^no schema with key or ref "https:\/\/json-schema.org\/draft\/2020-12\/schema"$/],
    [{ type: 'string', pattern: '(a)\\1' }, /^regular expression \/\(a\)\\1\/ is not supported: invalid escape sequence/],
    [{ patternProperties: { '^(?=x)': { type: 'number' } } }, /is not supported: invalid or unsupported Perl syntax: `\(\?=`/],
    [{ type: 'string', pattern: '[' }, /^Invalid regular expression/],
  ])('%j', (schema, error) => {
    const result = inputSchemaError(schema);
    if (error === undefined) expect(result).toBeUndefined();
    else expect(result).toMatch(error);
  });
});

describe('withInputDefaults', () => {
  const schema = { type: 'object', properties: { region: { type: 'string', default: 'eu' }, opts: { type: 'object', properties: { n: { type: 'integer', default: 3 } }, default: {} } } };

  it('fills the defaults of absent properties, nested ones too, in a copy', () => {
    const input = { region: 'us' };
    expect(withInputDefaults(schema, input)).toEqual({ region: 'us', opts: { n: 3 } });
    expect(withInputDefaults(schema, {})).toEqual({ region: 'eu', opts: { n: 3 } });
    expect(input).toEqual({ region: 'us' });
  });

  it('answers the input itself without a schema, for a non-object input, or for a schema that does not compile', () => {
    const input = { a: 1 };
    expect(withInputDefaults(undefined, input)).toBe(input);
    expect(withInputDefaults(schema, 'text')).toBe('text');
    expect(withInputDefaults(schema, null)).toBeNull();
    expect(withInputDefaults({ type: 'nonsense' }, input)).toBe(input);
  });
});
