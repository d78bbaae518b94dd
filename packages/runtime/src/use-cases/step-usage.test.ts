import { stepUsages } from './step-usage';

const at = new Date(0);

describe('stepUsages', () => {
  it('sums the step.usage events of each entry and ignores every other event', () => {
    const usages = stepUsages([
      { type: 'step.usage', key: 'a', data: { attempt: 1, promptTokens: 10, completionTokens: 2, totalTokens: 12 }, at },
      { type: 'step.succeeded', key: 'a', data: { attempt: 1, promptTokens: 99 }, at },
      { type: 'step.usage', key: 'a', data: { attempt: 2, promptTokens: 5, completionTokens: 1, totalTokens: 6 }, at },
      { type: 'step.usage', key: 'b>handoff:1', data: { attempt: 1, promptTokens: 'x', completionTokens: 3, totalTokens: 3 }, at },
      { type: 'step.usage', key: null, data: { promptTokens: 1 }, at },
      { type: 'step.usage', key: 'c', data: null, at },
    ]);
    expect(Object.fromEntries(usages)).toEqual({
      a: { promptTokens: 15, completionTokens: 3, totalTokens: 18 },
      'b>handoff:1': { promptTokens: 0, completionTokens: 3, totalTokens: 3 },
      c: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
    });
  });
});
