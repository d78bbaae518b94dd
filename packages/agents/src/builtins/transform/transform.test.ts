import { executeAgent } from '@baton/agent-sdk';
import { jobOf, live } from '@baton/agent-sdk/testing';
import { transformAgent } from './transform';

const run = (expression: string, data?: unknown) => executeAgent(transformAgent, jobOf({ expression, data }), live());

describe('transform: regular expressions match in linear time', () => {
  it('answers a pattern that backtracks exponentially in JavaScript (26 characters took 4.9 s)', async () => {
    // Natively, each character more doubles the time: 40 would take days.
    const outcome = await run('$match(s, /(a+)+$/)', { s: `${'a'.repeat(40)}!` });
    expect(outcome).toEqual({ type: 'succeeded', output: null });
  });

  it('keeps what JSONata does with a regex: groups, flags, $replace, $split, $contains', async () => {
    expect(await run('$match("ab12cd345", /([0-9])([0-9])?/).groups')).toEqual({ type: 'succeeded', output: ['1', '2', '3', '4', '5', null] });
    expect(await run('$replace("a-b-c", /-/, "+")')).toEqual({ type: 'succeeded', output: 'a+b+c' });
    expect(await run('$split("a1b22c", /[0-9]+/)')).toEqual({ type: 'succeeded', output: ['a', 'b', 'c'] });
    expect(await run('$contains("HELLO", /l+/i)')).toEqual({ type: 'succeeded', output: true });
  });

  it.each([['(a)\\1', 'a backreference'], ['a(?=b)', 'a lookahead']])('fails %s (%s) with a clear error, not retried', async (pattern) => {
    const outcome = await run(`$match("aab", /${pattern}/)`);
    expect(outcome).toMatchObject({ type: 'failed', retryable: false });
    expect(outcome.type === 'failed' && outcome.error.message).toMatch(/^expression failed: regular expression \/.+\/ is not supported: .*no backreferences or lookarounds/);
  });
});
