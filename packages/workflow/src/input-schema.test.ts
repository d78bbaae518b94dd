import { inputSchemaError, validateInput } from './input-schema';

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
  ])('%j', (schema, error) => {
    const result = inputSchemaError(schema);
    if (error === undefined) expect(result).toBeUndefined();
    else expect(result).toMatch(error);
  });
});
