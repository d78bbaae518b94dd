import { parseWorkflow } from './parse';
import type { Problem } from './problem';
import { validate } from './validate';
import type { ValidateOptions } from './validate-options';

const wf = (steps: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name: 'w', steps, ...extra });
const echo = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ id, agent: 'echo', ...extra });

const problemsOf = (definition: unknown, options?: ValidateOptions): Problem[] => {
  const result = validate(definition, options);
  return result.ok ? [] : result.problems;
};

describe('validate: the example from WORKFLOWS.md', () => {
  const source = `
name: triage-ticket
description: Route a support ticket
input:
  type: object
  required: [ticket]
steps:
  - id: classify
    agent: classifier
    input: { text: "{{ $input.ticket.body }}" }
  - id: escalate
    agent: http
    needs: [classify]
    when: "{{ $steps.classify.output.priority = 'high' }}"
    input: { url: "https://pager.example/notify", method: POST, body: "{{ $steps.classify.output }}" }
    retry: { attempts: 5, backoff: { type: exponential, delayMs: 200, maxDelayMs: 10000 } }
    timeoutMs: 5000
  - id: reply
    workflow: send-reply
    needs: [classify, escalate]
    input: { ticket: "{{ $input.ticket }}", label: "{{ $steps.classify.output.label }}" }
  - id: notify-each
    agent: echo
    needs: [classify]
    forEach: "{{ $input.ticket.watchers }}"
    concurrency: 10
    input: { to: "{{ $item }}" }
output: "{{ { 'label': $steps.classify.output.label, 'replied': $steps.reply.status = 'succeeded' } }}"
`;
  const parsed = parseWorkflow(source);
  const definition = parsed.ok ? parsed.definition : undefined;

  test('is valid, with defaults applied and compiled', () => {
    const result = validate(definition, {
      knownAgents: new Set(['classifier', 'http', 'echo']),
      knownWorkflows: new Set(['send-reply']),
    });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.workflow.steps[0]).toMatchObject({ id: 'classify', needs: [], onFailure: 'fail' });
    expect(result.workflow.steps[1]!.retry).toEqual({ attempts: 5, backoff: { type: 'exponential', delayMs: 200, maxDelayMs: 10000 } });
    expect([...result.compiled.steps.keys()]).toEqual(['classify', 'escalate', 'reply', 'notify-each']);
    expect(result.compiled.sinks).toEqual(['reply', 'notify-each']);
  });

  test('passes its limits to the compiled expressions', async () => {
    const result = validate(definition, { limits: { timeoutMs: 100, maxOutputBytes: 5 } });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    await expect(result.compiled.output!.evaluate({})).rejects.toMatchObject({ field: 'output' });
  });
});

describe('validate: the schema', () => {
  test.each<[string, unknown, Problem[]]>([
    ['a string', 'name: w', [{ path: '', message: 'expected object, received string' }]],
    ['null', null, [{ path: '', message: 'expected object, received null' }]],
    ['an array', [], [{ path: '', message: 'expected object, received array' }]],
    [
      'an empty object',
      {},
      [
        { path: 'name', message: 'is required' },
        { path: 'steps', message: 'is required' },
      ],
    ],
    ['a bad name', wf([echo('a')], { name: 'Triage Ticket' }), [{ path: 'name', message: 'must match [a-z0-9][a-z0-9._-]{0,63}' }]],
    ['an unknown field', wf([echo('a')], { version: 2, 'x-y.z': 1 }), [{ path: 'version', message: 'unknown field' }, { path: '["x-y.z"]', message: 'unknown field' }]],
    ['no steps', wf([]), [{ path: 'steps', message: 'a workflow needs at least one step' }]],
    ['steps as an object', wf({ a: echo('a') } as never), [{ path: 'steps', message: 'expected array, received object' }]],
    ['a step that is not an object', wf([echo('a'), 5]), [{ path: 'steps[1]', message: 'expected object, received number' }]],
    ['a long description', wf([echo('a')], { description: 'x'.repeat(2001) }), [{ path: 'description', message: 'string must contain at most 2000 character(s)' }]],
    ['an input schema that is not an object', wf([echo('a')], { input: 'object' }), [{ path: 'input', message: 'expected object, received string' }]],
    [
      'bad step fields',
      wf([
        {
          id: 'Bad Id',
          agent: 'echo',
          nope: 1,
          retry: { attempts: 0, backoff: { type: 'linear' } },
          onFailure: 'ignore',
          timeoutMs: 1.5,
          priority: 11,
          handoffs: ['ok', 'Not OK'],
          contextAccess: { read: [''], write: ['k', 3] },
        },
      ]),
      [
        { path: 'steps[0].id', message: 'must match [a-z0-9_-]{1,64}' },
        { path: 'steps[0].retry.attempts', message: 'number must be greater than or equal to 1' },
        { path: 'steps[0].retry.backoff.type', message: "invalid enum value. Expected 'fixed' | 'exponential', received 'linear'" },
        { path: 'steps[0].timeoutMs', message: 'expected integer, received float' },
        { path: 'steps[0].priority', message: 'number must be less than or equal to 10' },
        { path: 'steps[0].onFailure', message: "invalid enum value. Expected 'fail' | 'continue', received 'ignore'" },
        { path: 'steps[0].handoffs[1]', message: 'must match [a-z0-9][a-z0-9._-]{0,63}' },
        { path: 'steps[0].contextAccess.read[0]', message: 'string must contain at least 1 character(s)' },
        { path: 'steps[0].contextAccess.write[1]', message: 'expected string, received number' },
        { path: 'steps[0].nope', message: 'unknown field' },
      ],
    ],
    ['too many steps', wf(Array.from({ length: 1001 }, (_, i) => echo(`s${i}`))), [{ path: 'steps', message: 'at most 1000 steps' }]],
    ['a token budget', wf([echo('a')], { budget: { tokens: 5000 } }), []],
    [
      'a budget of no tokens, with an unknown field',
      wf([echo('a')], { budget: { tokens: 0, cost: 1 } }),
      [
        { path: 'budget.tokens', message: 'number must be greater than or equal to 1' },
        { path: 'budget.cost', message: 'unknown field' },
      ],
    ],
    ['a budget of a fractional token', wf([echo('a')], { budget: { tokens: 1.5 } }), [{ path: 'budget.tokens', message: 'expected integer, received float' }]],
    ['a budget past 10^12 tokens', wf([echo('a')], { budget: { tokens: 1e13 } }), [{ path: 'budget.tokens', message: 'number must be less than or equal to 1000000000000' }]],
    ['a budget without tokens', wf([echo('a')], { budget: {} }), [{ path: 'budget.tokens', message: 'is required' }]],
  ])('%s', (_name, definition, problems) => {
    expect(problemsOf(definition)).toEqual(problems);
  });
});

describe('validate: the needs graph', () => {
  test.each<[string, unknown[], Problem[]]>([
    ['a duplicate id', [echo('a'), echo('b'), echo('a')], [{ path: 'steps[2].id', message: "duplicate step id 'a' (first at steps[0])" }]],
    ['an unknown step', [echo('a', { needs: ['b'] })], [{ path: 'steps[0].needs[0]', message: "unknown step 'b'" }]],
    ['a step needing itself', [echo('a', { needs: ['a'] })], [{ path: 'steps[0].needs[0]', message: 'a step cannot need itself' }]],
    ['a need listed twice', [echo('a'), echo('b', { needs: ['a', 'a'] })], [{ path: 'steps[1].needs[1]', message: "'a' is listed twice" }]],
    ['a need that is not a string', [echo('a'), echo('b', { needs: ['a', 7] })], [{ path: 'steps[1].needs[1]', message: 'expected string, received number' }]],
    ['needs that are not a list', [echo('a'), echo('b', { needs: 'a' })], [{ path: 'steps[1].needs', message: 'expected array, received string' }]],
    [
      'a two-step cycle, reported once',
      [echo('a', { needs: ['b'] }), echo('b', { needs: ['a'] })],
      [{ path: 'steps[0].needs', message: 'needs form a cycle: a -> b -> a' }],
    ],
    [
      'a three-step cycle, named from its first step',
      [echo('x'), echo('c', { needs: ['a'] }), echo('a', { needs: ['b', 'x'] }), echo('b', { needs: ['c'] })],
      [{ path: 'steps[1].needs', message: 'needs form a cycle: c -> a -> b -> c' }],
    ],
    [
      'a cycle entered at a later step, named from its first step',
      [echo('z', { needs: ['c'] }), echo('b', { needs: ['c'] }), echo('c', { needs: ['b'] })],
      [{ path: 'steps[1].needs', message: 'needs form a cycle: b -> c -> b' }],
    ],
    [
      'two cycles',
      [echo('a', { needs: ['b', 'c'] }), echo('b', { needs: ['a'] }), echo('c', { needs: ['a'] })],
      [
        { path: 'steps[0].needs', message: 'needs form a cycle: a -> b -> a' },
        { path: 'steps[0].needs', message: 'needs form a cycle: a -> c -> a' },
      ],
    ],
    [
      'a diamond is not a cycle',
      [echo('a'), echo('b', { needs: ['a'] }), echo('c', { needs: ['a'] }), echo('d', { needs: ['b', 'c'] })],
      [],
    ],
    [
      'a cycle through a duplicate id uses the first step with that id',
      [echo('a', { needs: ['b'] }), echo('b', { needs: ['a'] }), echo('a')],
      [
        { path: 'steps[2].id', message: "duplicate step id 'a' (first at steps[0])" },
        { path: 'steps[0].needs', message: 'needs form a cycle: a -> b -> a' },
      ],
    ],
  ])('%s', (_name, steps, problems) => {
    expect(problemsOf(wf(steps))).toEqual(problems);
  });

  test('reports at most 100 cycles', () => {
    const ids = Array.from({ length: 16 }, (_, i) => `s${i}`);
    const steps = ids.map((id) => echo(id, { needs: ids.filter((other) => other !== id) }));
    const problems = problemsOf(wf(steps));
    expect(problems).toHaveLength(100);
    expect(problems.every((p) => p.message.startsWith('needs form a cycle: '))).toBe(true);
  });
});

describe('validate: step rules', () => {
  test.each<[string, unknown, Problem[]]>([
    ['an agent and a workflow', { id: 'a', agent: 'echo', workflow: 'w2' }, [{ path: 'steps[0].workflow', message: 'a step runs an agent or a workflow, not both' }]],
    ['neither agent nor workflow', { id: 'a' }, [{ path: 'steps[0]', message: 'a step needs an agent or a workflow' }]],
    ['a version without a workflow', echo('a', { version: 2 }), [{ path: 'steps[0].version', message: 'only a workflow step has a version' }]],
    ['a pinned workflow', { id: 'a', workflow: 'w2', version: 2 }, []],
    [
      'hand-offs on a workflow step',
      { id: 'a', workflow: 'w2', handoffs: ['echo'], maxHandoffs: 2 },
      [
        { path: 'steps[0].handoffs', message: 'only an agent step can hand off' },
        { path: 'steps[0].maxHandoffs', message: 'only an agent step can hand off' },
      ],
    ],
    ['hand-offs on an agent step', echo('a', { handoffs: ['http'], maxHandoffs: 2 }), []],
    ['concurrency without forEach', echo('a', { concurrency: 3 }), [{ path: 'steps[0].concurrency', message: 'concurrency applies only with forEach' }]],
    ['concurrency with forEach', echo('a', { concurrency: 3, forEach: '{{ $input.items }}' }), []],
    ['context access', echo('a', { contextAccess: { read: ['user'], write: ['label'] } }), []],
  ])('%s', (_name, step, problems) => {
    expect(problemsOf(wf([step]))).toEqual(problems);
  });

  const options: ValidateOptions = { knownAgents: new Set(['echo', 'http']), knownWorkflows: new Set(['send-reply']) };
  test.each<[string, unknown, ValidateOptions, Problem[]]>([
    ['a known agent', echo('a', { handoffs: ['http'] }), options, []],
    ['an unknown agent', { id: 'a', agent: 'llm' }, options, [{ path: 'steps[0].agent', message: "unknown agent 'llm'" }]],
    ['an unknown hand-off agent', echo('a', { handoffs: ['http', 'llm', 5] }), options, [
      { path: 'steps[0].handoffs[2]', message: 'expected string, received number' },
      { path: 'steps[0].handoffs[1]', message: "unknown agent 'llm'" },
    ]],
    ['hand-offs that are not a list', echo('a', { handoffs: 'llm' }), options, [{ path: 'steps[0].handoffs', message: 'expected array, received string' }]],
    ['any agent without a list', { id: 'a', agent: 'llm', handoffs: ['x'] }, {}, []],
    ['a known workflow', { id: 'a', workflow: 'send-reply' }, options, []],
    ['an unknown workflow', { id: 'a', workflow: 'send-mail' }, options, [{ path: 'steps[0].workflow', message: "unknown workflow 'send-mail'" }]],
    ['any workflow without a list', { id: 'a', workflow: 'send-mail' }, { knownAgents: options.knownAgents }, []],
  ])('%s', (_name, step, opts, problems) => {
    expect(problemsOf(wf([step]), opts)).toEqual(problems);
  });
});

describe('validate: expressions', () => {
  const parseError = (path: string): Problem => ({ path, message: expect.stringMatching(/^expression does not parse: /) as unknown as string });
  test.each<[string, Record<string, unknown>, Problem[]]>([
    ['in input, recursively', wf([echo('a', { input: { to: ['ok', '{{ $item. }}'], body: 'x {{ ( }}' } })]), [parseError('steps[0].input.to[1]'), parseError('steps[0].input.body')]],
    ['an unclosed expression', wf([echo('a', { input: { to: '{{ $item' } })]), [{ path: 'steps[0].input.to', message: '"{{" at character 0 has no matching "}}"' }]],
    ['$secrets in input', wf([echo('a', { input: { auth: 'Bearer {{ $secrets.TOKEN }}' } })]), []],
    ['when that does not parse', wf([echo('a', { when: '{{ = }}' })]), [parseError('steps[0].when')]],
    ['when as a literal', wf([echo('a', { when: 'true' })]), [{ path: 'steps[0].when', message: 'when needs an expression' }]],
    ['when inside text', wf([echo('a', { when: 'is {{ true }}' })]), [{ path: 'steps[0].when', message: 'when needs an expression' }]],
    ['when with $secrets', wf([echo('a', { when: "{{ $secrets.FLAG = 'on' }}" })]), [{ path: 'steps[0].when', message: '$secrets is only available in a step input' }]],
    ['when that is not a string', wf([echo('a', { when: true })]), [{ path: 'steps[0].when', message: 'expected string, received boolean' }]],
    ['forEach as a literal', wf([echo('a', { forEach: '[1, 2]' })]), [{ path: 'steps[0].forEach', message: 'forEach needs an expression' }]],
    ['forEach that does not parse', wf([echo('a', { forEach: '{{ [1, }}' })]), [parseError('steps[0].forEach')]],
    ['output that does not parse', wf([echo('a')], { output: { label: '{{ $steps.a.output. }}' } }), [parseError('output.label')]],
    ['output with $secrets', wf([echo('a')], { output: { token: '{{ $secrets.TOKEN }}' } }), [{ path: 'output.token', message: '$secrets is only available in a step input' }]],
    ['a literal output', wf([echo('a')], { output: { fixed: true } }), []],
  ])('%s', (_name, definition, problems) => {
    expect(problemsOf(definition)).toEqual(problems);
  });
});

describe('validate: the input schema', () => {
  test.each<[string, unknown, Problem[]]>([
    ['a valid schema', { type: 'object', required: ['ticket'], properties: { ticket: { type: 'object' } } }, []],
    ['an invalid type', { type: 'obj' }, [{ path: 'input', message: expect.stringMatching(/^not a valid JSON Schema: schema is invalid: data\/type must be/) as unknown as string }]],
    ['a misspelt keyword', { type: 'object', requried: ['x'] }, [{ path: 'input', message: 'not a valid JSON Schema: strict mode: unknown keyword: "requried"' }]],
  ])('%s', (_name, input, problems) => {
    expect(problemsOf(wf([echo('a')], { input }))).toEqual(problems);
  });
});

describe('validate: every problem at once', () => {
  test('schema issues come first, then step rules, expressions, needs and the input schema, even when the schema fails', () => {
    const definition = {
      steps: [
        { id: 'a', agent: 'ghost', needs: ['b'], when: 'yes' },
        { id: 'b', agent: 'echo', needs: ['a', 'nobody'], input: { x: '{{ ) }}' }, extra: 1 },
        { id: 7, concurrency: 2 },
        'not a step',
      ],
      output: '{{ $secrets.X }}',
      input: { type: 'nope' },
    };
    expect(problemsOf(definition, { knownAgents: new Set(['echo']) })).toEqual([
      { path: 'name', message: 'is required' },
      { path: 'steps[1].extra', message: 'unknown field' },
      { path: 'steps[2].id', message: 'expected string, received number' },
      { path: 'steps[3]', message: 'expected object, received string' },
      { path: 'steps[0].agent', message: "unknown agent 'ghost'" },
      { path: 'steps[2]', message: 'a step needs an agent or a workflow' },
      { path: 'steps[2].concurrency', message: 'concurrency applies only with forEach' },
      { path: 'steps[0].when', message: 'when needs an expression' },
      parseError('steps[1].input.x'),
      { path: 'output', message: '$secrets is only available in a step input' },
      { path: 'steps[1].needs[1]', message: "unknown step 'nobody'" },
      { path: 'steps[0].needs', message: 'needs form a cycle: a -> b -> a' },
      { path: 'input', message: expect.stringMatching(/^not a valid JSON Schema: /) as unknown as string },
    ]);
  });

  function parseError(path: string): Problem {
    return { path, message: expect.stringMatching(/^expression does not parse: /) as unknown as string };
  }
});

describe('validate: 1,000 steps', () => {
  // One expression of its own per step, and one shared by all (parsed once, then cached).
  const chain = (salt: string): Record<string, unknown> =>
    wf(
      Array.from({ length: 1000 }, (_, i) =>
        echo(`s${i}`, {
          needs: i === 0 ? [] : [`s${i - 1}`],
          when: '{{ $input.enabled }}',
          input: { value: i === 0 ? `{{ $input.${salt} }}` : `{{ $steps.s${i - 1}.output.${salt} }}`, note: `step ${i}` },
        }),
      ),
    );
  const wide = (salt: string): Record<string, unknown> =>
    wf([
      echo('root'),
      ...Array.from({ length: 998 }, (_, i) => echo(`m${i}`, { needs: ['root'], input: { item: `{{ $input.${salt}[${i}] }}` } })),
      echo('sink', { needs: Array.from({ length: 998 }, (_, i) => `m${i}`), input: '{{ $steps }}' }),
    ]);

  test.each([
    ['a 1,000-step chain', chain],
    ['a 1,000-step wide DAG', wide],
  ])('%s is valid', (_name, build) => {
    // How fast is the benchmark's business (`npm run bench:engine`), not a test's.
    for (const salt of ['a', 'b']) expect(validate(build(salt)).ok).toBe(true);
  });

  test('a 1,000-step chain closed into a cycle is one problem', () => {
    const definition = chain('cycle');
    const steps = definition.steps as Record<string, unknown>[];
    steps[0]!.needs = ['s999'];
    const problems = problemsOf(definition);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe('steps[0].needs');
    expect(problems[0]!.message).toMatch(/^needs form a cycle: s0 -> s999 -> s998 -> .* -> s1 -> s0$/);
    expect(problems[0]!.message.split(' -> ')).toHaveLength(1001);
  });
});

describe('validate: $steps references', () => {
  const notNeeded = (reader: string, id: string): string =>
    `$steps.${id}: step '${id}' is not among the steps '${reader}' needs (directly or through them), so it may not have run yet; add it to needs`;

  test.each<[string, unknown, Problem[]]>([
    [
      'ancestors, direct and through needs, in input, when and forEach; output reads any step',
      wf(
        [
          echo('a'),
          echo('b', { needs: ['a'] }),
          echo('c', {
            needs: ['b'],
            when: '{{ $steps.a.status = "succeeded" }}',
            forEach: '{{ $steps.b.output }}',
            input: { text: 'from {{ $steps.a.output }}', n: '{{ $steps.`b`.output.n }}' },
          }),
          echo('d'),
        ],
        { output: '{{ [$steps.c.output, $steps.d.output] }}' },
      ),
      [],
    ],
    [
      'a typo',
      wf([echo('classify'), echo('reply', { needs: ['classify'], input: { label: '{{ $steps.clasify.output.label }}' } })]),
      [{ path: 'steps[1].input.label', message: "$steps.clasify: no step has the id 'clasify'" }],
    ],
    [
      'a typo in output',
      wf([echo('a')], { output: { x: '{{ $steps.b.output }}' } }),
      [{ path: 'output.x', message: "$steps.b: no step has the id 'b'" }],
    ],
    [
      'a later step, a sibling, the step itself',
      wf([
        echo('a', { input: '{{ $steps.b.output }}' }),
        echo('b', { input: { x: '{{ $steps.c.output }}' } }),
        echo('c', { needs: ['a'], when: '{{ $steps.c.status }}' }),
      ]),
      [
        { path: 'steps[0].input', message: notNeeded('a', 'b') },
        { path: 'steps[1].input.x', message: notNeeded('b', 'c') },
        { path: 'steps[2].when', message: '$steps.c: a step cannot read its own result' },
      ],
    ],
    [
      'a dependant is no ancestor',
      wf([echo('a', { forEach: '{{ $steps.b.output }}' }), echo('b', { needs: ['a'] })]),
      [{ path: 'steps[0].forEach', message: notNeeded('a', 'b') }],
    ],
    [
      'a hyphenated id, reported once per field',
      wf([
        echo('queue-low'),
        echo('report', { needs: ['queue-low'], input: { status: '{{ $steps.queue-low.status }}', again: '{{ $steps.queue-low.status & $steps.queue-low.output }}' } }),
      ]),
      [
        { path: 'steps[1].input.status', message: "$steps.queue-low is read as a subtraction: write a step id with '-' in backquotes, $steps.`queue-low`" },
        { path: 'steps[1].input.again', message: "$steps.queue-low is read as a subtraction: write a step id with '-' in backquotes, $steps.`queue-low`" },
      ],
    ],
    [
      'beside other problems: a cycle, an unknown need, needs of the wrong type, a step without an id',
      wf([
        echo('a', { needs: ['b', 'zz'], input: '{{ $steps.b.output }}' }),
        echo('b', { needs: ['a'], input: '{{ $steps.a.output }}' }),
        echo('c', { needs: 'a', input: '{{ $steps.a.output }}' }),
        echo('d', { needs: [7, 'a'], input: '{{ $steps.a.output }}' }),
        { agent: 'echo', input: '{{ $steps.a.output }}' },
      ]),
      [
        { path: 'steps[2].needs', message: 'expected array, received string' },
        { path: 'steps[3].needs[0]', message: 'expected string, received number' },
        { path: 'steps[4].id', message: 'is required' },
        { path: 'steps[2].input', message: notNeeded('c', 'a') },
        { path: 'steps[0].needs[1]', message: "unknown step 'zz'" },
        { path: 'steps[0].needs', message: 'needs form a cycle: a -> b -> a' },
      ],
    ],
  ])('%s', (_name, definition, problems) => {
    expect(problemsOf(definition)).toEqual(problems);
  });

  test('through needs of the wrong type and unknown needs', () => {
    const definition = wf([echo('a'), echo('b', { needs: [7, 'zz', 'a'] }), echo('c', { needs: ['b'], input: '{{ $steps.a.output }}' })]);
    expect(problemsOf(definition)).toEqual([
      { path: 'steps[1].needs[0]', message: 'expected string, received number' },
      { path: 'steps[1].needs[1]', message: "unknown step 'zz'" },
    ]);
  });

  test('a 40-step chain: every step may read the first, none the last', () => {
    const steps = Array.from({ length: 40 }, (_, i) => echo(`s${i}`, { needs: i === 0 ? [] : [`s${i - 1}`], input: i === 0 ? {} : '{{ $steps.s0.output }}' }));
    expect(problemsOf(wf(steps))).toEqual([]);
    steps[5]!.input = '{{ $steps.s39.output }}';
    expect(problemsOf(wf(steps))).toEqual([{ path: 'steps[5].input', message: notNeeded('s5', 's39') }]);
  });
});
