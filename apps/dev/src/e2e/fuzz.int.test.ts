import fc from 'fast-check';
import { BatonHarness } from '../testing/baton-harness';
import { bystandersSucceed, whileProbingHealth } from '../testing/hostile';

/**
 * Generated workflows, inputs and expressions thrown at validate → submit → run. Whatever comes in,
 * every answer is a 2xx or a 4xx in the error shape, no process dies, the api never freezes, and
 * every accepted run ends. CI runs a fixed seed; `npm run test:fuzz` runs longer
 * (`FUZZ_RUNS`, `FUZZ_SEED` to replay a failure).
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_129);

jest.setTimeout(Math.max(120_000, RUNS * 3_000));

const IDS = ['a', 'b', 'c', 'd', 'x-y', 'step_1', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'A', '', 'a'.repeat(65)];
const AGENTS = ['echo', 'transform', 'fail', 'delay', 'handoff', 'nobody'];

/** Fragments of JSONata, friendly and hostile: regexes, big values, odd strings, references. */
const curatedExpressionArb = fc.constantFrom(
    '$input', '$input.n + 1', '$steps.a.output', '$steps.b.status', '$item', '$index', '$context', '$run.id',
    '$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+$/)', '$pad("", 100000, "x")', "$split('😀','')[0]",
    "$decodeUrlComponent('%00')", '[1..100]', '[1..20000]', '$string($now())', '$millis()', 'true', 'false', 'null',
    '{ "__proto__": { "polluted": true } }', '$eval("1+1")', '$sum([1..1000])', '"\\ud800"', '$count($steps)',
    '$uppercase($string($input))', 'function($x){ $x($x) }(function($x){ $x($x) })', '$reduce([1..50], function($a,$b){$a&$b}, "")',
);
const expressionArb = fc.oneof(curatedExpressionArb, fc.string({ maxLength: 30 }));
/** Text without braces: literal, never an accidental template. */
const plainTextArb = fc.string({ maxLength: 12 }).map((t) => t.replace(/[{}]/g, ''));
/** Templates that parse, with hostile expressions inside. */
const plausibleTemplateArb = fc.oneof(
  curatedExpressionArb.map((e) => `{{ ${e} }}`),
  fc.tuple(plainTextArb, curatedExpressionArb).map(([t, e]) => `${t}{{ ${e} }}${t}`),
  plainTextArb,
  fc.jsonValue({ maxDepth: 2 }),
);

const templateArb = fc.oneof(
  expressionArb.map((e) => `{{ ${e} }}`),
  fc.tuple(fc.string({ maxLength: 10 }), expressionArb).map(([t, e]) => `${t}{{ ${e} }}${t}`),
  fc.string({ maxLength: 20 }),
);

const valueArb: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    templateArb,
    fc.jsonValue({ maxDepth: 2 }),
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.dictionary(fc.constantFrom('text', 'ms', 'value', 'expression', 'data', 'to', 'message', 'untilAttempt', '__proto__', 'constructor'), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const stepArb = fc.record(
  {
    id: fc.constantFrom(...IDS),
    agent: fc.constantFrom(...AGENTS),
    needs: fc.array(fc.constantFrom(...IDS), { maxLength: 3 }),
    input: fc.oneof(
      valueArb,
      fc.record({ ms: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ expression: expressionArb, data: valueArb }),
      fc.record({ untilAttempt: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ to: fc.constantFrom('echo', 'fail', 'nobody') }),
    ),
    when: templateArb,
    forEach: templateArb,
    concurrency: fc.integer({ min: -1, max: 5 }),
    retry: fc.record({ attempts: fc.integer({ min: 0, max: 3 }), backoff: fc.record({ type: fc.constantFrom('fixed', 'exponential'), delayMs: fc.integer({ min: 0, max: 20 }) }) }),
    timeoutMs: fc.integer({ min: 0, max: 2_000 }),
    onFailure: fc.constantFrom('fail', 'continue', 'explode'),
    handoffs: fc.array(fc.constantFrom('echo', 'fail', 'nobody'), { maxLength: 2 }),
  },
  { requiredKeys: ['id', 'agent'] },
);

/** Mostly well-formed steps (unique ids, known agents, needs on earlier steps) with hostile values inside. */
const plausibleStepsArb = fc.integer({ min: 1, max: 5 }).chain((count) =>
  fc.tuple(
    ...Array.from({ length: count }, (_, i) =>
      fc.record(
        {
          agent: fc.constantFrom('echo', 'echo', 'transform', 'fail', 'delay'),
          needs: fc.subarray(Array.from({ length: i }, (_, j) => `s${j}`)),
          input: fc.oneof(
            plausibleTemplateArb,
            fc.dictionary(fc.constantFrom('text', 'value', 'n', '__proto__', 'constructor', 'x-y'), plausibleTemplateArb, { maxKeys: 3 }),
            fc.record({ expression: curatedExpressionArb, data: plausibleTemplateArb }),
            fc.record({ untilAttempt: fc.integer({ min: 1, max: 3 }) }),
          ),
          when: fc.option(curatedExpressionArb.map((e) => `{{ ${e} }}`), { nil: undefined }),
          forEach: fc.option(curatedExpressionArb.map((e) => `{{ ${e} }}`), { nil: undefined, freq: 4 }),
          retry: fc.record({ attempts: fc.integer({ min: 1, max: 3 }) }),
          onFailure: fc.constantFrom('fail', 'continue'),
        },
        { requiredKeys: ['agent', 'needs', 'input'] },
      ).map((step) => {
        // The agent's input must suit the agent more often than not, or every run fails at once.
        const input = step.agent === 'delay' ? { ms: 5, value: step.input } : step.input;
        const when = step.when === undefined ? {} : { when: step.when };
        const forEach = step.forEach === undefined ? {} : { forEach: step.forEach };
        return { id: `s${i}`, ...step, ...when, ...forEach, input };
      }),
    ),
  ),
);

const submissionArb = fc.record({
  workflow: fc.oneof(
    { arbitrary: fc.record({ name: fc.constant('fuzz'), steps: plausibleStepsArb }), weight: 3 },
    {
      arbitrary: fc.record(
        {
          name: fc.oneof(fc.constant('fuzz'), fc.string({ maxLength: 70 })),
          steps: fc.array(stepArb, { minLength: 0, maxLength: 6 }),
          input: fc.oneof(fc.constant({ type: 'object' }), fc.constant({ type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } } }), fc.jsonValue({ maxDepth: 1 })),
          output: templateArb,
        },
        { requiredKeys: ['name', 'steps'] },
      ),
      weight: 1,
    },
  ),
  input: fc.oneof(
    { arbitrary: fc.record({ n: fc.integer(), s: fc.string({ maxLength: 30 }), items: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 5 }) }), weight: 3 },
    { arbitrary: valueArb, weight: 1 },
    { arbitrary: fc.record({ s: fc.string({ unit: 'binary', maxLength: 30 }) }), weight: 1 },
  ),
  priority: fc.option(fc.integer({ min: 0, max: 11 }), { nil: undefined, freq: 4 }),
});

/** A status is acceptable when it is a success or a client error, never a server error. */
const acceptable = (status: number) => status < 500;

test(`generated workflows never crash or freeze Baton, and every accepted run ends (seed ${SEED}, ${RUNS} runs)`, async () => {
  const baton = await BatonHarness.start({ reconcileEveryMs: 300 });
  const accepted: string[] = [];
  const serverErrors: Array<{ status: number; body: unknown; submission: unknown }> = [];
  try {
    const { worstHealthMs } = await whileProbingHealth(baton, async () => {
      await fc.assert(
        fc.asyncProperty(submissionArb, async (submission) => {
          const validated = await baton.request('POST', '/v1/workflows/validate', { workflow: submission.workflow });
          if (!acceptable(validated.status)) serverErrors.push({ ...validated, submission });
          const submitted = await baton.request('POST', '/v1/runs', submission);
          if (!acceptable(submitted.status)) serverErrors.push({ ...submitted, submission });
          if (submitted.status === 202) accepted.push(submitted.body.id as string);
          else expect(submitted.body.error).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String) }));
          return true;
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    });
    expect(serverErrors).toEqual([]);
    // The generators must reach the engine and the workers, not only validation.
    expect(accepted.length).toBeGreaterThan(RUNS / 4);
    const runs = await Promise.all(accepted.map((id) => baton.waitFor(id, { timeoutMs: 60_000 })));
    expect(runs.filter((r) => !['succeeded', 'failed', 'cancelled'].includes(r.status))).toEqual([]);
    expect(worstHealthMs).toBeLessThan(1_000);
    await bystandersSucceed(baton, 5);
  } finally {
    await baton.close();
  }
});
