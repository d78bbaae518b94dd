import fc from 'fast-check';
import { parseStepJobId, stepJobId } from './step-job-id';

// Any code points, with the separator and the characters keys hold made likely.
const text = fc.oneof(fc.string({ unit: 'binary' }), fc.stringMatching(/^[_:[\]>a%]*$/));

describe('stepJobId', () => {
  it.each([
    ['run-1', 'classify', 1, 'run-1__classify__1'],
    ['run-1', 'notify[3]', 2, 'run-1__notify%5B3%5D__2'],
    ['run-1', 'classify>handoff:1', 1, 'run-1__classify%3Ehandoff%3A1__1'],
    ['run_1', 'a__b', 3, 'run%5F1__a%5F%5Fb__3'],
  ])('(%s, %s, %d) → %s', (runId, key, attempt, id) => {
    expect(stepJobId(runId, key, attempt)).toBe(id);
    expect(parseStepJobId(id)).toEqual({ runId, key, attempt });
  });

  it('never holds a colon and is never an integer (BullMQ refuses both)', () => {
    fc.assert(
      fc.property(text, text, fc.nat(), (runId, key, attempt) => {
        const id = stepJobId(runId, key, attempt);
        expect(id).not.toContain(':');
        expect(`${parseInt(id, 10)}`).not.toBe(id);
      }),
    );
  });

  it('gives distinct ids to distinct (runId, key, attempt) and is reversible', () => {
    fc.assert(
      fc.property(fc.tuple(text, text, fc.nat()), fc.tuple(text, text, fc.nat()), (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b));
        expect(stepJobId(...a)).not.toBe(stepJobId(...b));
        expect(parseStepJobId(stepJobId(...a))).toEqual({ runId: a[0], key: a[1], attempt: a[2] });
      }),
    );
    // The separator inside a part cannot shift it into another part.
    expect(stepJobId('a__b', 'c', 1)).not.toBe(stepJobId('a', 'b__c', 1));
  });

  it.each([-1, 1.5, NaN, Infinity])('refuses attempt %p', (attempt) => {
    expect(() => stepJobId('r', 'k', attempt)).toThrow(RangeError);
  });
});

describe('parseStepJobId', () => {
  it.each(['', 'abc', 'a__b', 'a__b__c', 'a__b__1__2', 'a__%E0%A4%A__1', '1'])('does not parse %p', (id) => {
    expect(parseStepJobId(id)).toBeUndefined();
  });
});
