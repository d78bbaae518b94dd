import { noteReferences, stepReferences, type StepReference } from './step-references';

const step = (id: string): StepReference => ({ kind: 'step', id });
const hyphen = (id: string): StepReference => ({ kind: 'hyphen', id });

describe('stepReferences', () => {
  test.each<[string, StepReference[]]>([
    ['$steps.a.output.x', [step('a')]],
    ['$steps.a', [step('a')]],
    ['$steps.`fetch-data`.output', [step('fetch-data')]],
    ['$steps.a.status = "succeeded" ? $steps.b.output : $steps.c.output', [step('c'), step('b'), step('a')]],
    ['$count($steps.a.output) + $steps.b.output.n - 1', [step('b'), step('a')]],
    ['$steps.a.output ?? null', [step('a'), step('a')]],
    ['{ "x": $steps.a.output }', [step('a')]],
    // Read as subtractions: the id as written, for the message.
    ['$steps.queue-low.status', [hyphen('queue-low')]],
    ['$steps.a-b-c.output', [hyphen('a-b-c')]],
    ['$steps.a-1', [hyphen('a-1')]],
    ['$steps.a-b[0] + $steps.c.output', [step('c'), hyphen('a-b')]],
    ['$steps.q-low.status & $steps.q-low.output', [hyphen('q-low'), hyphen('q-low')]],
    ['$steps.a - 1', [step('a')]],
    ['$steps.`a`-1', [step('a')]],
    // Not references: strings, comments, the whole record, other variables, a subtraction from an output.
    ['"$steps.a.output"', []],
    ['/* $steps.a */ 1', []],
    ['$keys($steps)', []],
    ['$steps["a"]', []],
    ['$stepsx.a', []],
    ['$steps.a.output.n-1', [step('a')]],
    ['$input.steps.a', []],
    ['$steps.', []], // does not parse: reported by the syntax check
  ])('%s', (source, expected) => {
    expect(stepReferences([source]).get(source)).toEqual(expected);
  });

  test('answers each source once, and from what the syntax check noted', () => {
    const source = '$steps.noted.output';
    noteReferences(source, { type: 'path', steps: [{ type: 'variable', value: 'steps' }, { type: 'name', value: 'other', position: 12 }] });
    noteReferences('$input.x', { type: 'path' });
    const refs = stepReferences([source, source, '$input.x']);
    expect([...refs]).toEqual([
      [source, [step('other')]],
      ['$input.x', []],
    ]);
  });
});
