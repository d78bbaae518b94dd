import { compileTemplate, DEFAULT_LIMITS, inspectTemplates, type ExpressionLimits, type Scope } from './template';
import { ByteBudget, RUN_BYTES_LIMIT, jsonBytes } from './byte-budget';
import { ExpressionError, LimitExceededError } from './expression-error';

const scope: Scope = {
  input: { ticket: { body: 'Printer on fire', watchers: ['a@x.io', 'b@x.io'] }, n: 5, name: 'Ann' },
  steps: { classify: { output: { priority: 'high', label: 'hardware' }, status: 'succeeded' } },
  context: { region: 'eu' },
  item: 'a@x.io',
  index: 1,
  run: { id: 'run-1' },
};

const evaluate = (value: unknown, s: Scope = scope, limits?: ExpressionLimits): Promise<unknown> =>
  compileTemplate(value, 'steps[0].input', limits).evaluate(s);

describe('compileTemplate: a string that is exactly one expression yields its typed value', () => {
  test.each<[string, unknown]>([
    ['{{ 1 + 2 }}', 3],
    ['{{$input.n}}', 5],
    ['{{ $input.ticket }}', { body: 'Printer on fire', watchers: ['a@x.io', 'b@x.io'] }],
    ['{{ ticket.body }}', 'Printer on fire'],
    ['{{ $input.ticket.watchers }}', ['a@x.io', 'b@x.io']],
    ['{{ $input.ticket.watchers[0] }}', 'a@x.io'],
    ["{{ $steps.classify.output.priority = 'high' }}", true],
    ['{{ $steps.classify.status }}', 'succeeded'],
    ['{{ $context.region }}', 'eu'],
    ['{{ $item }}', 'a@x.io'],
    ['{{ $index }}', 1],
    ['{{ $run.id }}', 'run-1'],
    ['{{ null }}', null],
    ["{{ {'label': $steps.classify.output.label, 'n': $input.n} }}", { label: 'hardware', n: 5 }],
    ["{{ {'a': {'b': 1}} }}", { a: { b: 1 } }],
    ["{{ '}}' }}", '}}'],
    ['{{ $map([1, 2], function($x){ $x * 2 }) }}', [2, 4]],
    ['{{ $input.missing }}', undefined],
  ])('%s', async (value, expected) => {
    expect(await evaluate(value)).toEqual(expected);
  });

  test('returns a copy, not the scope value itself', async () => {
    const result = (await evaluate('{{ $input.ticket }}')) as { body: string };
    result.body = 'changed';
    expect((scope.input as { ticket: { body: string } }).ticket.body).toBe('Printer on fire');
  });
});

describe('compileTemplate: expressions inside text interpolate as text', () => {
  test.each<[string, string]>([
    ['Hello {{ $input.name }}!', 'Hello Ann!'],
    ['n={{ $input.n }}', 'n=5'],
    ['t={{ $input.ticket.watchers }}', 't=["a@x.io","b@x.io"]'],
    ["o={{ {'a': 1} }}", 'o={"a":1}'],
    ['z={{ null }}', 'z=null'],
    ['b={{ true }}', 'b=true'],
    ['m=[{{ $input.missing }}]', 'm=[]'],
    ['q={{ "say \\"hi\\"" }}', 'q=say "hi"'],
    ["{{ 'a' }}{{ 'b' }}", 'ab'],
    [' {{ $input.n }} ', ' 5 '],
  ])('%s', async (value, expected) => {
    expect(await evaluate(value)).toBe(expected);
  });
});

describe('compileTemplate: values are walked recursively', () => {
  test('objects drop undefined results, arrays keep their length with null', async () => {
    const template = compileTemplate(
      { to: '{{ $item }}', cc: '{{ $input.missing }}', list: ['{{ $index }}', '{{ $input.missing }}', 'x'], fixed: { a: 1 } },
      'steps[0].input',
    );
    expect(template.dynamic).toBe(true);
    expect(await template.evaluate(scope)).toEqual({ to: 'a@x.io', list: [1, null, 'x'], fixed: { a: 1 } });
  });

  test.each<[unknown]>([['plain'], ['a }} b'], [42], [null], [true], [undefined], [{ a: [1, 'two', { b: null }] }], [[]]])(
    'a literal %j is returned as it is',
    async (value) => {
      const template = compileTemplate(value, 'output');
      expect(template.dynamic).toBe(false);
      expect(await template.evaluate(scope)).toBe(value);
    },
  );

  test('a missing scope reads as empty', async () => {
    expect(await evaluate({ input: '{{ $ }}', steps: '{{ $steps }}', context: '{{ $context }}', item: '{{ $item }}' }, {})).toEqual({
      input: {},
      steps: {},
      context: {},
    });
  });
});

describe('compileTemplate: $secrets', () => {
  test.each([
    ['{{ $secrets.TOKEN }}', '«secret:TOKEN»', ['TOKEN']],
    ['Bearer {{ $secrets.TOKEN }}', 'Bearer «secret:TOKEN»', ['TOKEN']],
    ['{{ $input.name }}: {{ $secrets.TOKEN }}', 'Ada: «secret:TOKEN»', ['TOKEN']],
    ["{{ {'a': 1}.a & $secrets.TOKEN & $secrets._b2 }}", '1«secret:TOKEN»«secret:_b2»', ['TOKEN', '_b2']],
    ['{{ $secretsX }}', undefined, []],
  ])('%s evaluates to markers for the worker, never a value', async (value, expected, names) => {
    const template = compileTemplate({ header: value }, 'steps[0].input');
    expect(template.secrets).toEqual(names);
    expect(await template.evaluate({ input: { name: 'Ada' } })).toEqual(expected === undefined ? {} : { header: expected });
  });

  test('a template without $secrets reads none', () => {
    expect(compileTemplate('{{ $input }}', 'steps[0].input').secrets).toEqual([]);
  });

  test.each([['{{ $secrets }}'], ['{{ $secrets.`A B` }}'], ['{{ $secrets[0] }}'], ['{{ $keys($secrets) }}'], [`{{ $secrets.${'a'.repeat(129)} }}`]])(
    '%s is refused: only $secrets.NAME',
    (value) => {
      expect(() => compileTemplate(value, 'steps[0].input')).toThrow(/steps\[0\]\.input: \$secrets must be used as \$secrets\.NAME/);
    },
  );
});

describe('compileTemplate: parse errors name the field', () => {
  test.each<[unknown, string, RegExp]>([
    ['{{ 1 + }}', 'steps[0].input', /^steps\[0\]\.input: expression does not parse: .+ \(at character \d+\)$/],
    [{ a: { b: ['x', 'see {{ $input. }}'] } }, 'steps[0].input.a.b[1]', /does not parse/],
    [{ 'a.b': '{{ ) }}' }, 'steps[0].input["a.b"]', /does not parse/],
    ['{{ }}', 'steps[0].input', /does not parse: Unexpected end of expression/],
    ['{{ $input', 'steps[0].input', /"\{\{" at character 0 has no matching "\}\}"/],
    [{ a: '{{ 1 }}', b: '{{ ( }}', c: '{{ ] }}' }, 'steps[0].input.b', /does not parse/],
  ])('%j', (value, field, message) => {
    expectCompileError(value, field, message);
  });

  test('an expression nested too deeply to parse', () => {
    const deep = `{{ ${'('.repeat(100_000)}1${')'.repeat(100_000)} }}`;
    expectCompileError(deep, 'steps[0].input', /does not parse: Maximum call stack size exceeded$/);
  });

  function expectCompileError(value: unknown, field: string, message: RegExp): void {
    let error: unknown;
    try {
      compileTemplate(value, 'steps[0].input');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ExpressionError);
    expect(error).toMatchObject({ name: 'ExpressionError', field });
    expect((error as Error).message).toMatch(message);
  }
});

describe('compileTemplate: evaluation errors and limits', () => {
  const fast: ExpressionLimits = { timeoutMs: 20, maxOutputBytes: 1024 };

  test.each<[string, ExpressionLimits, RegExp]>([
    ["{{ $error('boom') }}", DEFAULT_LIMITS, /^steps\[0\]\.input: boom/],
    ["x {{ $error('boom') }}", DEFAULT_LIMITS, /boom/],
    ['{{ function($x){ $x } }}', DEFAULT_LIMITS, /must produce JSON, not a function$/],
    ['{{ $sum }}', DEFAULT_LIMITS, /not a function/],
    ['{{ /abc/ }}', DEFAULT_LIMITS, /not a function/],
    ['{{ [1, function($x){ $x }] }}', DEFAULT_LIMITS, /not a function/],
    // Limits: a range too long, an endless tail-recursive loop, a long loop, a deep recursion.
    ['{{ $map([1..10000000], function($x){ $x }) }}', DEFAULT_LIMITS, /maximum sequence length/],
    ['{{ ($f := function($n){ $f($n + 1) }; $f(0)) }}', fast, /timeout after 20 milliseconds/],
    ['{{ $count($map([1..999999], function($x){ $x })) }}', fast, /timeout after 20 milliseconds/],
    ['{{ ($f := function($n){ 1 + $f($n + 1) }; $f(0)) }}', DEFAULT_LIMITS, /Stack overflow/],
    ["{{ $pad('', 2000000, 'x') }}", { ...DEFAULT_LIMITS, maxOutputBytes: 1024 * 1024 }, /results are larger than 1048576 bytes \(BATON_MAX_EXPRESSION_BYTES\)$/],
    ["{{ $pad('', 20000000, 'x') }}", DEFAULT_LIMITS, /results are larger than 16777216 bytes \(BATON_MAX_EXPRESSION_BYTES\)$/],
  ])('%s', async (value, limits, message) => {
    const failure = evaluate(value, scope, limits);
    await expect(failure).rejects.toBeInstanceOf(ExpressionError);
    await expect(failure).rejects.toMatchObject({ field: 'steps[0].input', message });
  });

  test.each<[unknown, string | undefined]>([
    ['{{ "aaaaaaaa" }}', undefined], // 10 bytes of JSON
    ['{{ "aaaaaaaaa" }}', 'steps[0].input'], // 11
    ['{{ "€€" }}', undefined], // 2 characters, 8 bytes
    ['{{ "€€€" }}', 'steps[0].input'], // 5 characters, 11 bytes
    [{ a: '{{ "aaaa" }}', b: '{{ "bbbb" }}' }, 'steps[0].input.b'], // 6 + 6: the budget is per evaluation
    [{ a: '{{ "aaaa" }}', b: 'literal text is not counted' }, undefined],
  ])('with at most 10 bytes, %j fails at %s', async (value, field) => {
    const result = evaluate(value, scope, { timeoutMs: 100, maxOutputBytes: 10 });
    if (field === undefined) await expect(result).resolves.toBeDefined();
    else await expect(result).rejects.toMatchObject({ field, message: `${field}: results are larger than 10 bytes (BATON_MAX_EXPRESSION_BYTES)` });
  });

  test('each evaluation has its own budget', async () => {
    const template = compileTemplate('{{ "aaaaaaaa" }}', 'output', { timeoutMs: 100, maxOutputBytes: 10 });
    expect(await template.evaluate(scope)).toBe('aaaaaaaa');
    expect(await template.evaluate(scope)).toBe('aaaaaaaa');
  });

  test('the default limits are frozen', () => {
    expect(Object.isFrozen(DEFAULT_LIMITS)).toBe(true);
  });
});

describe('compileTemplate: expressions are built once', () => {
  test('a template evaluates the same every time, and its copies share the work', async () => {
    const first = compileTemplate({ a: '{{ $index + 1 }}', b: 'n={{ $index }}' }, 'output');
    const second = compileTemplate({ a: '{{ $index + 1 }}', b: 'n={{ $index }}' }, 'output');
    for (const index of [1, 2]) {
      expect(await first.evaluate({ index })).toEqual({ a: index + 1, b: `n=${index}` });
      expect(await second.evaluate({ index })).toEqual({ a: index + 1, b: `n=${index}` });
    }
  });

  test('limits are part of what is built', async () => {
    const loop = '{{ ($f := function($n){ $f($n + 1) }; $f(0)) }}';
    await expect(compileTemplate(loop, 'output', { timeoutMs: 10, maxOutputBytes: 10 }).evaluate({})).rejects.toMatchObject({
      message: expect.stringMatching(/timeout after 10 milliseconds/) as unknown as string,
    });
    await expect(compileTemplate(loop, 'output', { timeoutMs: 30, maxOutputBytes: 10 }).evaluate({})).rejects.toMatchObject({
      message: expect.stringMatching(/timeout after 30 milliseconds/) as unknown as string,
    });
  });
});

describe('inspectTemplates', () => {
  type Report = { problems: { path: string; message: string }[]; secrets: string[]; expression: boolean; expressions: { path: string; source: string }[] };
  test.each<[unknown, Report]>([
    ['{{ $input.items }}', { problems: [], secrets: [], expression: true, expressions: [{ path: 'f', source: '$input.items' }] }],
    ['items: {{ $input.items }}', { problems: [], secrets: [], expression: false, expressions: [{ path: 'f', source: '$input.items' }] }],
    [' {{ $input.items }}', { problems: [], secrets: [], expression: false, expressions: [{ path: 'f', source: '$input.items' }] }],
    ['true', { problems: [], secrets: [], expression: false, expressions: [] }],
    [undefined, { problems: [], secrets: [], expression: false, expressions: [] }],
    ['{{ $secrets.FLAG }}', { problems: [], secrets: ['f'], expression: true, expressions: [{ path: 'f', source: '$secrets.FLAG' }] }],
    [{ a: ['{{ $secrets.A }}'], b: 'x {{ $secrets.B }}' }, {
        problems: [],
        secrets: ['f.a[0]', 'f.b'],
        expression: false,
        expressions: [{ path: 'f.a[0]', source: '$secrets.A' }, { path: 'f.b', source: '$secrets.B' }],
      },
    ],
    [
      { a: '{{ ( }} and {{ ] }}', b: '{{ $secrets. }}', c: '{{ open', d: '{{ 1 }}' },
      {
        problems: [
          { path: 'f.a', message: expect.stringMatching(/^expression does not parse/) as unknown as string },
          { path: 'f.a', message: expect.stringMatching(/^expression does not parse/) as unknown as string },
          { path: 'f.b', message: expect.stringMatching(/^expression does not parse/) as unknown as string },
          { path: 'f.b', message: expect.stringMatching(/^\$secrets must be used as \$secrets\.NAME/) as unknown as string },
          { path: 'f.c', message: '"{{" at character 0 has no matching "}}"' },
        ],
        secrets: ['f.b'],
        expression: false,
        expressions: [{ path: 'f.d', source: '1' }],
      },
    ],
  ])('%j', (value, expected) => {
    expect(inspectTemplates([{ value, field: 'f' }])).toEqual([expected]);
  });

  test('reports on several values in order', () => {
    const reports = inspectTemplates([
      { value: '{{ 1 }}', field: 'a' },
      { value: '{{ 1 + }}', field: 'b' },
      { value: 'x', field: 'c' },
    ]);
    expect(reports.map((r) => [r.problems.map((p) => p.path), r.expression])).toEqual([
      [[], true],
      [['b'], true],
      [[], false],
    ]);
  });
});

describe('compileTemplate: the clock', () => {
  const clock = new Date('2026-03-01T10:00:00.000Z');

  it('answers $now() and $millis() from the scope, not the system clock', async () => {
    const template = compileTemplate({ now: '{{ $now() }}', ms: '{{ $millis() }}', later: '{{ $millis() + 1000 }}' }, 'input');
    expect(await template.evaluate({ clock })).toEqual({ now: '2026-03-01T10:00:00.000Z', ms: clock.getTime(), later: clock.getTime() + 1000 });
    expect(await template.evaluate({ clock })).toEqual(await template.evaluate({ clock }));
  });

  it('seeds $random() from the run, the decision time, the field and the item: the same decision draws the same numbers', async () => {
    const template = compileTemplate({ a: '{{ $random() }}', b: '{{ [$random(), $random()] }}' }, 'steps[0].input');
    const draw = (scope: Scope) => template.evaluate(scope) as Promise<{ a: number; b: number[] }>;
    const first = await draw({ clock, run: { id: 'r1' } });
    expect(await draw({ clock, run: { id: 'r1' } })).toEqual(first);
    expect(first.a).toBeGreaterThanOrEqual(0);
    expect(first.a).toBeLessThan(1);
    expect(new Set([first.a, ...first.b]).size).toBe(3);
    const others = await Promise.all([
      draw({ clock, run: { id: 'r2' } }),
      draw({ clock: new Date(clock.getTime() + 1), run: { id: 'r1' } }),
      draw({ clock, run: { id: 'r1' }, index: 0 }),
      draw({ clock }),
      compileTemplate({ a: '{{ $random() }}', b: '{{ [$random(), $random()] }}' }, 'steps[1].input').evaluate({ clock, run: { id: 'r1' } }),
    ]);
    for (const other of others) expect(other).not.toEqual(first);
  });

  it('falls back to JSONata’s own clock without one', async () => {
    const ms = (await compileTemplate('{{ $millis() }}', 'input').evaluate({})) as number;
    expect(Math.abs(ms - Date.now())).toBeLessThan(5_000);
  });
});

describe('compileTemplate: a byte budget shared by evaluations', () => {
  test('charges the JSON size of what is built, literal parts included', async () => {
    const budget = new ByteBudget(1000);
    const value = { to: '{{ $item }}', text: 'n={{ $index }}!', fixed: ['x', 1], none: '{{ $input.missing }}' };
    const result = await compileTemplate(value, 'steps[0].input').evaluate(scope, { budget });
    expect(result).toEqual({ to: 'a@x.io', text: 'n=1!', fixed: ['x', 1] });
    // What is charged is about the result's JSON: the key of an undefined result is counted too.
    expect(budget.used).toBeGreaterThanOrEqual(jsonBytes(result));
    expect(budget.used).toBeLessThanOrEqual(jsonBytes(result) + '"none":,'.length + 2);
    const literal = { a: ['b', { c: 'é' }] };
    const before = budget.used;
    await compileTemplate(literal, 'output').evaluate(scope, { budget });
    expect(budget.used - before).toBe(jsonBytes(literal));
  });

  test('evaluations share it: the second to pass it fails, naming the limit, and once spent nothing runs', async () => {
    const budget = new ByteBudget(25);
    expect(RUN_BYTES_LIMIT).toBe('BATON_MAX_RUN_BYTES');
    const template = compileTemplate('{{ "xxxxxxxxxx" }}', 'steps[0].input');
    await template.evaluate(scope, { budget }); // 12 bytes
    await template.evaluate(scope, { budget }); // 24
    const third = template.evaluate(scope, { budget });
    await expect(third).rejects.toBeInstanceOf(LimitExceededError);
    await expect(third).rejects.toMatchObject({
      field: 'steps[0].input',
      limit: 'BATON_MAX_RUN_BYTES',
      message: 'steps[0].input: the run would hold more than 25 bytes (BATON_MAX_RUN_BYTES)',
    });
    expect(budget.exhausted).toBe(true);
    // Spent: an expression that would build nothing fails too, before it runs.
    await expect(compileTemplate('{{ $error("never") }}', 'x').evaluate(scope, { budget })).rejects.toMatchObject({ limit: 'BATON_MAX_RUN_BYTES' });
    await expect(compileTemplate('literal', 'y').evaluate(scope, { budget })).rejects.toMatchObject({ field: 'y', limit: 'BATON_MAX_RUN_BYTES' });
  });

  test('a refused result is charged all the same, so the next large one fails without running', async () => {
    const budget = new ByteBudget(3000);
    const limits = { ...DEFAULT_LIMITS, maxOutputBytes: 2000 };
    const big = compileTemplate(`{{ "${'x'.repeat(2500)}" }}`, 'steps[0].input', limits);
    await expect(big.evaluate(scope, { budget })).rejects.toMatchObject({ limit: 'BATON_MAX_EXPRESSION_BYTES' });
    await expect(big.evaluate(scope, { budget })).rejects.toMatchObject({ limit: 'BATON_MAX_RUN_BYTES' });
  });

  test('$pad refuses a width no result could hold before it builds the string, and charges it', async () => {
    const budget = new ByteBudget(1000);
    const limits = { ...DEFAULT_LIMITS, maxOutputBytes: 600 };
    const padded = (width: number) => compileTemplate(`{{ $pad("ab", ${width}, "-") }}`, 'steps[0].input', limits).evaluate(scope, { budget });
    expect(await padded(-5)).toBe('---ab');
    await expect(padded(50_000_000)).rejects.toMatchObject({
      limit: 'BATON_MAX_EXPRESSION_BYTES',
      message: 'steps[0].input: $pad to 50000000 characters: results are larger than 600 bytes (BATON_MAX_EXPRESSION_BYTES)',
    });
    expect(budget.used).toBe(7);
    expect(await padded(500)).toHaveLength(500); // 502 bytes charged
    await expect(padded(-500)).rejects.toMatchObject({
      limit: 'BATON_MAX_RUN_BYTES',
      message: 'steps[0].input: $pad to 500 characters: the run would hold more than 1000 bytes (BATON_MAX_RUN_BYTES)',
    });
    expect(budget.exhausted).toBe(true);
    // Without a budget only the result limit applies; JSONata still checks the arguments.
    expect(await compileTemplate('{{ $pad("a", 3) }}', 'x').evaluate(scope)).toBe('a  ');
    await expect(compileTemplate('{{ $pad("a", "3") }}', 'x').evaluate(scope)).rejects.toThrow(/does not match function signature/);
  });
});

describe('compileTemplate: options of one evaluation', () => {
  test('limits given to evaluate replace the compiled ones', async () => {
    const template = compileTemplate('{{ "aaaaaaaaaa" }}', 'output', { timeoutMs: 100, maxOutputBytes: 5 });
    await expect(template.evaluate(scope)).rejects.toMatchObject({ limit: 'BATON_MAX_EXPRESSION_BYTES' });
    expect(await template.evaluate(scope, { limits: { timeoutMs: 100, maxOutputBytes: 100 } })).toBe('aaaaaaaaaa');
    await expect(template.evaluate(scope, { limits: { timeoutMs: 100, maxOutputBytes: 100, maxSequence: 3 } })).resolves.toBe('aaaaaaaaaa');
    await expect(compileTemplate('{{ [1..5] }}', 'output').evaluate(scope, { limits: { timeoutMs: 100, maxOutputBytes: 100, maxSequence: 3 } })).rejects.toThrow(
      /maximum sequence length of 5 was exceeded/, // JSONata names the length it refused
    );
  });

  test.each<[string, RegExp | unknown[]]>([
    ['{{ [1..1000000] }}', /^steps\[0\]\.forEach: more than 5 items \(BATON_MAX_FOREACH_ITEMS\)$/], // refused before it is built
    ['{{ $input.ticket.watchers }}', ['a@x.io', 'b@x.io']],
    ['{{ [1, 2, 3, 4, 5, 6] }}', /more than 5 items/],
    ['{{ $append([1, 2, 3], [4, 5, 6]) }}', /more than 5 items/],
    ['{{ "not a list" }}', ['not a list'] as unknown[]],
    ['{{ $item }}', /more than 5 items/], // a bound array, not a sequence JSONata builds
  ])('maxItems bounds a list and the sequences built for it: %s', async (value, expected) => {
    const maxItems = { count: 5, limit: 'BATON_MAX_FOREACH_ITEMS' };
    const result = compileTemplate(value, 'steps[0].forEach').evaluate({ ...scope, item: [1, 2, 3, 4, 5, 6] }, { maxItems });
    if (expected instanceof RegExp) {
      await expect(result).rejects.toBeInstanceOf(LimitExceededError);
      await expect(result).rejects.toThrow(expected);
    } else {
      expect([await result].flat()).toEqual(expected);
    }
  });

  test('other failures under maxItems are plain expression errors', async () => {
    const result = compileTemplate('{{ $error("no") }}', 'steps[0].forEach').evaluate(scope, { maxItems: { count: 5, limit: 'X' } });
    await expect(result).rejects.toThrow('steps[0].forEach: no');
    await expect(result).rejects.not.toBeInstanceOf(LimitExceededError);
  });
});

describe('compileTemplate: regular expressions match in linear time', () => {
  test('a pattern that backtracks exponentially in JavaScript answers at once', async () => {
    expect(await evaluate('{{ $match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+$/) }}')).toBeUndefined();
    expect(await evaluate('{{ $replace($input.name, /n+/, "x") }}')).toBe('Ax');
  });

  test('a pattern it cannot run is a problem at compile time', () => {
    expect(() => compileTemplate('{{ $match("aa", /(a)\\1/) }}', 'steps[0].when')).toThrow(
      /^steps\[0\]\.when: expression does not parse: regular expression \/\(a\)\\1\/ is not supported/,
    );
    expect(inspectTemplates([{ value: '{{ $contains("ab", /a(?=b)/) }}', field: 'f' }])[0]!.problems).toEqual([
      { path: 'f', message: expect.stringMatching(/lookarounds\)$/) as unknown as string },
    ]);
  });
});

describe('compileTemplate: required values', () => {
  const required = (value: unknown) => compileTemplate(value, 'steps[1].input', DEFAULT_LIMITS, { required: true });
  const hint = (source: string) => `{{ ${source} }} gave no value; if it may be missing, give a default: {{ ${source} ?? null }}`;

  test.each<[unknown, string]>([
    ['{{ $input.missing }}', 'steps[1].input'],
    [{ text: 'Dear {{ $input.missing }}' }, 'steps[1].input.text'],
    [{ list: [1, '{{ $input.missing }}'] }, 'steps[1].input.list[1]'],
    [{ a: { b: '{{ $input.missing }}' } }, 'steps[1].input.a.b'],
  ])('%j fails naming %s', async (value, field) => {
    const failed = required(value).evaluate({ input: { present: 1 } });
    await expect(failed).rejects.toThrow(ExpressionError);
    await expect(failed).rejects.toThrow(`${field}: ${hint('$input.missing')}`);
  });

  test('a long expression is shown cut', async () => {
    const failed = required(`{{ $input.${'x'.repeat(250)} }}`).evaluate({ input: {} });
    await expect(failed).rejects.toThrow(/gave no value/);
    await expect(failed).rejects.toThrow(/…/);
  });

  test('a default makes a value optional; null, false and an object without the key are values', async () => {
    const template = required({ a: '{{ $input.missing ?? null }}', b: '{{ $input.missing ?? "none" }}', c: '{{ false }}', d: "{{ { 'x': $input.missing } }}", e: '{{ $input.v ?: 3 }}' });
    expect(await template.evaluate({ input: { v: 0 } })).toEqual({ a: null, b: 'none', c: false, d: {}, e: 3 });
  });

  test('without required, undefined leaves the key out, as before', async () => {
    expect(await compileTemplate({ a: '{{ $input.missing }}', b: 1 }, 'output').evaluate({ input: {} })).toEqual({ b: 1 });
  });
});
