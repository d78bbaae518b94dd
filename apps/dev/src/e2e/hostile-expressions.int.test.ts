import { BatonHarness, type RunView } from '../testing/baton-harness';
import { bystandersSucceed, whileProbingHealth, healthBound as sharedHealthBound } from '../testing/hostile';

// Issue 7, "crashes and freezes from one request" (cases 1 to 6): hostile expressions, schemas and
// sizes get a 4xx naming the limit, or a failed step with a clear reason; the api never freezes
// and other clients' runs go through.

jest.setTimeout(120_000);

/**
 * How long `/healthz` may take while an attack runs: 100 ms as the issue asks, or twice what it
 * takes with no attack at all when the machine is that busy (api, worker and test share one
 * process here, and CI machines are shared): an attack may not add a freeze of its own.
 */
async function healthBound(baton: BatonHarness): Promise<number> {
  // Warm what a process builds once on first use (the schema checker, the regex engine, the code
  // that walks a large body), as the bystanders warm the rest: the attacks must not freeze a warm api.
  const schema = { type: 'object', properties: { s: { type: 'string', pattern: '^[a-z]+$', format: 'email' } } };
  const warm = await baton.request('POST', '/v1/runs', {
    workflow: { name: 'warm', input: schema, steps: [{ id: 'a', agent: 'echo', input: { m: '{{ $match($input.s, /[a-z]+/).match }}' } }] },
    input: { s: 'a@b.co', xs: Array.from({ length: 10_000 }, (_, i) => ({ i })) },
  });
  expect(warm.status).toBe(400); // the pattern refuses "@": checked all the same
  return sharedHealthBound(baton);
}

/** The attack while `/healthz` is probed and another client's runs go through: the api never froze, no one else was hurt. */
async function probed<T>(baton: BatonHarness, bound: number, attack: () => Promise<T>): Promise<T> {
  const outcome = await whileProbingHealth(baton, async () => {
    const [result] = await Promise.all([attack(), bystandersSucceed(baton, 5)]);
    return result;
  });
  expect(outcome.unhealthy).toBe(0);
  expect(outcome.worstHealthMs).toBeLessThan(bound);
  return outcome.result;
}

const stepOf = (run: RunView, key: string) => {
  const found = run.steps.find((s) => s.key === key);
  if (!found) throw new Error(`no step ${key} in ${JSON.stringify(run)}`);
  return found;
};

/** A 400 whose details name `limit` (a configuration variable) or match `detail`. */
function expectRefused(answer: { status: number; body: any }, detail: RegExp): void { // eslint-disable-line @typescript-eslint/no-explicit-any -- answers are read freely
  expect(answer.status).toBe(400);
  expect(answer.body.error.code).toBe('VALIDATION_FAILED');
  expect(JSON.stringify(answer.body.error.details)).toMatch(detail);
}

describe('with the default limits', () => {
  let baton: BatonHarness;
  let bound: number;
  const submit = (workflow: unknown, input: unknown = {}) => baton.request('POST', '/v1/runs', { workflow, input });

  beforeAll(async () => {
    baton = await BatonHarness.start({ workers: 1 });
    await bystandersSucceed(baton, 5); // warm: the first runs compile what later ones reuse
    bound = await healthBound(baton);
  });
  afterAll(() => baton.close());

  describe('case 1: 60 steps each with $pad("", 50000000, "x")', () => {
    test('is a 400 naming the limit, at once, and nothing is stored', async () => {
      const steps = Array.from({ length: 60 }, (_, i) => ({ id: `s${i}`, agent: 'echo', input: { x: '{{ $pad("", 50000000, "x") }}' } }));
      const answer = await probed(baton, bound, () => submit({ name: 'pad-bomb', steps }));
      expectRefused(answer, /\$pad to 50000000 characters: results are larger than 16777216 bytes \(BATON_MAX_EXPRESSION_BYTES\)/);
      expect(answer.body.error.details[0].path).toBe('workflow.steps[0]');
      const stored = await baton.db.kysely.selectFrom('runs').select('id').where('workflow_name', '=', 'pad-bomb').execute();
      expect(stored).toEqual([]);
    });
  });

  describe('case 2: a regular expression that backtracks', () => {
    const redos = (n: number) => `"${'a'.repeat(n)}!"`;

    test('in a step input (29 a: 40 s before) or a `when` (24 a: 0.6 s) answers at once', async () => {
      const workflow = {
        name: 'redos',
        steps: [
          // No match is no value, which a step input may not have: counted, it is 0.
          { id: 'm', agent: 'echo', input: { m: `{{ $count($match(${redos(29)}, /(a+)+$/)) }}`, ok: `{{ $contains(${redos(29)}, /^(a+)+!$/) }}` } },
          { id: 'w', agent: 'echo', when: `{{ $contains(${redos(24)}, /^(a+)+$/) }}` },
        ],
      };
      const run = await probed(baton, bound, async () => {
        const answer = await submit(workflow);
        expect(answer.status).toBe(202);
        return baton.waitFor(answer.body.id as string);
      });
      expect(run.status).toBe('succeeded');
      expect(stepOf(run, 'm').output).toEqual({ m: 0, ok: true });
      expect(stepOf(run, 'w').status).toBe('skipped');
    });

    test('in the transform agent (26 a: 4.9 s despite its 1,000 ms limit) answers at once', async () => {
      const workflow = { name: 'redos-transform', steps: [{ id: 't', agent: 'transform', input: { expression: '$match(s, /(a+)+$/)', data: { s: `${'a'.repeat(40)}!` } } }] };
      const run = await probed(baton, bound, async () => baton.waitFor(await baton.submit(workflow)));
      expect(run.status).toBe('succeeded');
      expect(stepOf(run, 't').status).toBe('succeeded');
    });

    test('a pattern the linear engine cannot run is a 400 in a template, a failed step in transform', async () => {
      const template = await submit({ name: 'backref', steps: [{ id: 'a', agent: 'echo', input: { m: '{{ $match("aa", /(a)\\1/) }}' } }] });
      expectRefused(template, /regular expression \/\(a\)\\\\1\/ is not supported: .*no backreferences or lookarounds/);
      const transform = { name: 'lookahead', steps: [{ id: 't', agent: 'transform', input: { expression: '$match("ab", /a(?=b)/)' } }] };
      const run = await baton.waitFor(await baton.submit(transform));
      expect(run.status).toBe('failed');
      expect(stepOf(run, 't').error).toEqual({ code: 'AGENT_ERROR', message: expect.stringMatching(/^expression failed: regular expression \/a\(\?=b\)\/ is not supported/) });
      expect(stepOf(run, 't').attempts).toBe(1);
    });
  });

  describe('case 3: input schema patterns', () => {
    test('{"pattern":"^(a+)+$"} against 25 a and "!" (1.3 s, doubling per character) answers at once', async () => {
      const workflow = (schema: object) => ({ name: 'schema-redos', input: schema, steps: [{ id: 'a', agent: 'echo' }] });
      const hostile = `${'a'.repeat(60)}!`;
      const answers = await probed(baton, bound, () =>
        Promise.all([
          submit(workflow({ type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } } }), { s: hostile }),
          submit(workflow({ type: 'object', patternProperties: { '^(a+)+$': { type: 'number' } } }), { [hostile]: 'x', aaa: 'y' }),
          submit(workflow({ type: 'object', properties: { u: { type: 'string', format: 'url' } } }), { u: `http://${':'.repeat(20_000)}` }),
        ]),
      );
      expect(answers.map((a) => [a.status, a.body.error.details])).toEqual([
        [400, [{ path: 'input.s', message: 'must match pattern "^(a+)+$"' }]],
        [400, [{ path: 'input.aaa', message: 'must be number' }]],
        [400, [{ path: 'input.u', message: 'must match format "url"' }]],
      ]);
    });

    test('a pattern the linear engine cannot run makes the schema invalid: a 400 naming why', async () => {
      const answer = await submit({ name: 'schema-lookahead', input: { type: 'string', pattern: '^(?!admin)' }, steps: [{ id: 'a', agent: 'echo' }] }, 'x');
      expectRefused(answer, /not a valid JSON Schema: regular expression .* is not supported/);
    });
  });

  describe('case 4: forEach over [1..1000000]', () => {
    test('evaluated at submission is a 400 naming BATON_MAX_FOREACH_ITEMS, before the list is built', async () => {
      const answer = await probed(baton, bound, () => submit({ name: 'huge-foreach', steps: [{ id: 'each', agent: 'echo', forEach: '{{ [1..1000000] }}' }] }));
      expectRefused(answer, /steps\[0\]\.forEach: more than 10000 items \(BATON_MAX_FOREACH_ITEMS\)/);
    });

    test('evaluated later fails the step with the reason, and only that run', async () => {
      const workflow = {
        name: 'huge-foreach-later',
        steps: [{ id: 'a', agent: 'echo', input: { n: 1000000 } }, { id: 'each', agent: 'echo', needs: ['a'], forEach: '{{ [1..$steps.a.output.n] }}' }],
      };
      const run = await probed(baton, bound, async () => baton.waitFor(await baton.submit(workflow)));
      expect(run.status).toBe('failed');
      expect(stepOf(run, 'each').error).toEqual({ code: 'LIMIT_EXCEEDED', message: 'step each: steps[1].forEach: more than 10000 items (BATON_MAX_FOREACH_ITEMS)' });
      expect(run.steps).toHaveLength(2);
    });
  });

  describe('case 5: uniqueItems over 20,000 items', () => {
    test('an array longer than BATON_MAX_INPUT_ARRAY_ITEMS is a 400 naming it, before the schema runs', async () => {
      const workflow = { name: 'unique', input: { type: 'object', properties: { xs: { type: 'array', uniqueItems: true } } }, steps: [{ id: 'a', agent: 'echo' }] };
      const items = Array.from({ length: 20_000 }, (_, i) => ({ i }));
      const answer = await probed(baton, bound, () => submit(workflow, { xs: items }));
      expectRefused(answer, /input\.xs.*has 20000 items, more than 10000 \(BATON_MAX_INPUT_ARRAY_ITEMS\)/);
    });

    const unique = { name: 'unique-ok', input: { type: 'object', properties: { xs: { type: 'array', uniqueItems: true } } }, steps: [{ id: 'a', agent: 'echo' }] };

    test('10,000 strings (the most an input array may hold) are checked in linear time', async () => {
      const items = Array.from({ length: 10_000 }, (_, i) => `item-${i}`);
      const [fine, duplicate] = await probed(baton, bound, () => Promise.all([submit(unique, { xs: items }), submit(unique, { xs: [...items.slice(1), 'item-7'] })]));
      expect(fine.status).toBe(202);
      expectRefused(duplicate, /must NOT have duplicate items \(items ## 6 and 9999 are identical\)/);
    });

    test('10,000 objects too, whatever the order of their keys', async () => {
      // Tens of milliseconds of work here, not the seconds of comparing every pair; not probed.
      const items = Array.from({ length: 10_000 }, (_, i) => ({ i, tag: 'x' }));
      const [fine, duplicate] = await Promise.all([submit(unique, { xs: items }), submit(unique, { xs: [...items.slice(1), { tag: 'x', i: 7 }] })]);
      expect(fine.status).toBe(202);
      expectRefused(duplicate, /must NOT have duplicate items \(items ## 6 and 9999 are identical\)/);
    });
  });

  describe('case 6: YAML with 99 aliases to a list of 40,000', () => {
    test('is a 400 naming BATON_MAX_YAML_NODES', async () => {
      let yaml = `name: aliases\nsteps:\n  - id: a\n    agent: echo\nlist: &l [${Array(40_000).fill('1').join(',')}]\n`;
      for (let i = 0; i < 99; i++) yaml += `k${i}: *l\n`;
      const answer = await probed(baton, bound, () => submit(yaml));
      expectRefused(answer, /more than 200000 nodes once its aliases are expanded \(BATON_MAX_YAML_NODES\)/);
    });
  });
});

describe('with small limits', () => {
  let baton: BatonHarness;
  let bound: number;

  beforeAll(async () => {
    baton = await BatonHarness.start({ workers: 1, env: { BATON_MAX_RUN_BYTES: '65536', BATON_MAX_EXPRESSION_BYTES: '32768' } });
    await bystandersSucceed(baton, 5);
    bound = await healthBound(baton);
  });
  afterAll(() => baton.close());

  test('case 1: the first steps of a submission share one byte budget: past it, a 400 naming BATON_MAX_RUN_BYTES', async () => {
    // 60 × 12 kB: each is within an expression's 32 kB, the sixth would pass the run's 64 kB.
    const steps = Array.from({ length: 60 }, (_, i) => ({ id: `s${i}`, agent: 'echo', input: { x: '{{ $pad("", 12000, "x") }}' } }));
    const answer = await probed(baton, bound, () => baton.request('POST', '/v1/runs', { workflow: { name: 'pad-budget', steps } }));
    expectRefused(answer, /steps\[5\]\.input\.x: \$pad to 12000 characters: the run would hold more than 65536 bytes \(BATON_MAX_RUN_BYTES\)/);
    expect(answer.body.error.details[0].path).toBe('workflow.steps[5]');
  });

  test('case 1: a step that would bring the run past its bytes later fails with the reason', async () => {
    const workflow = {
      name: 'pad-later',
      steps: [
        { id: 'a', agent: 'echo', input: { x: '{{ $pad("", 25000, "x") }}' } },
        { id: 'b', agent: 'echo', needs: ['a'], input: { x: '{{ $pad("", 25000, "x") }}' } },
      ],
    };
    const run = await probed(baton, bound, async () => baton.waitFor(await baton.submit(workflow)));
    expect(run.status).toBe('failed');
    // a's input and output (25 kB each), then b's input would pass 64 kB.
    expect(stepOf(run, 'a').status).toBe('succeeded');
    expect(stepOf(run, 'b').error).toEqual({
      code: 'LIMIT_EXCEEDED',
      message: 'step b: steps[1].input.x: $pad to 25000 characters: the run would hold more than 65536 bytes (BATON_MAX_RUN_BYTES)',
    });
  });
});
