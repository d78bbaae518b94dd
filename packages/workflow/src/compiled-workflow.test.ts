import { compileWorkflow } from './compiled-workflow';
import { workflowSchema, type WorkflowInput } from './definition';
import { ExpressionError } from './expression-error';

const definition = (input: WorkflowInput) => workflowSchema.parse(input);

describe('compileWorkflow', () => {
  const workflow = definition({
    name: 'triage',
    steps: [
      { id: 'classify', agent: 'classifier', input: { text: '{{ $input.body }}' } },
      { id: 'escalate', agent: 'http', needs: ['classify'], when: "{{ $steps.classify.output.priority = 'high' }}" },
      { id: 'notify', agent: 'echo', needs: ['classify'], forEach: '{{ $input.watchers }}', input: { to: '{{ $item }}' } },
      { id: 'reply', workflow: 'send-reply', needs: ['classify', 'escalate'] },
    ],
    output: '{{ $steps.classify.output.label }}',
  });
  const compiled = compileWorkflow(workflow);

  test('keeps the steps by id, in definition order, with their index', () => {
    expect([...compiled.steps.keys()]).toEqual(['classify', 'escalate', 'notify', 'reply']);
    expect([...compiled.steps.values()].map((s) => s.index)).toEqual([0, 1, 2, 3]);
    expect(compiled.steps.get('reply')!.def).toBe(workflow.steps[3]);
    expect(compiled.definition).toBe(workflow);
  });

  test('lists dependants and sinks', () => {
    expect(Object.fromEntries([...compiled.steps].map(([id, s]) => [id, s.dependants]))).toEqual({
      classify: ['escalate', 'notify', 'reply'],
      escalate: ['reply'],
      notify: [],
      reply: [],
    });
    expect(compiled.sinks).toEqual(['notify', 'reply']);
  });

  test('compiles input, when, forEach and output', async () => {
    const scope = { input: { body: 'b', watchers: ['x'] }, steps: { classify: { status: 'succeeded', output: { priority: 'high', label: 'l' } } } };
    const [classify, escalate, notify, reply] = [...compiled.steps.values()];
    expect(await classify!.input.evaluate(scope)).toEqual({ text: 'b' });
    expect(await escalate!.when!.evaluate(scope)).toBe(true);
    expect(escalate!.forEach).toBeUndefined();
    expect(await notify!.forEach!.evaluate(scope)).toEqual(['x']);
    expect(await notify!.input.evaluate({ ...scope, item: 'x' })).toEqual({ to: 'x' });
    expect(notify!.when).toBeUndefined();
    expect(reply!.input.dynamic).toBe(false);
    expect(await reply!.input.evaluate(scope)).toEqual({});
    expect(await compiled.output!.evaluate(scope)).toBe('l');
  });

  test('has no output template when the definition has none', () => {
    expect(compileWorkflow(definition({ name: 'w', steps: [{ id: 'a', agent: 'echo' }] })).output).toBeUndefined();
  });

  test('ignores needs that name no step (validate reports those)', () => {
    const compiled = compileWorkflow(definition({ name: 'w', steps: [{ id: 'a', agent: 'echo', needs: ['ghost'] }] }));
    expect(compiled.sinks).toEqual(['a']);
  });

  test('passes its limits to the expressions', async () => {
    const compiled = compileWorkflow(definition({ name: 'w', steps: [{ id: 'a', agent: 'echo' }], output: '{{ "too long" }}' }), {
      timeoutMs: 100,
      maxOutputBytes: 4,
    });
    await expect(compiled.output!.evaluate({})).rejects.toMatchObject({ field: 'output' });
  });

  test('throws ExpressionError for an expression that does not parse', () => {
    const broken = definition({ name: 'w', steps: [{ id: 'a', agent: 'echo', when: '{{ ( }}' }] });
    expect(() => compileWorkflow(broken)).toThrow(ExpressionError);
    expect(() => compileWorkflow(broken)).toThrow(/^steps\[0\]\.when: expression does not parse/);
  });
});
