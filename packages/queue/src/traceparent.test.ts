import { formatTraceparent, newSpanId, parseTraceparent, runTraceId, runTraceparent } from './traceparent';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('parseTraceparent', () => {
  it('reads a version 00 header, and a later version by its first four fields', () => {
    expect(parseTraceparent(VALID)).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: '01' });
    expect(parseTraceparent(` ${VALID} `)).toEqual(parseTraceparent(VALID));
    expect(parseTraceparent('cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-what-comes-next')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: '00',
    });
  });

  it.each([
    undefined, 3, '', 'garbage',
    VALID.toUpperCase(),
    `${VALID}-extra`,
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
    `cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-${'x'.repeat(600)}`,
  ])('refuses %p', (value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('formats what it parses back to the same header', () => {
    expect(formatTraceparent(parseTraceparent(VALID)!)).toBe(VALID);
  });
});

describe('ids derived from the run', () => {
  it("takes a UUID run id's digits as the trace id, and hashes anything else", () => {
    expect(runTraceId('0F8D2B84-3C1E-4C55-9A4B-2E1D6C7F8A90')).toBe('0f8d2b843c1e4c559a4b2e1d6c7f8a90');
    expect(runTraceId('run-1')).toMatch(/^[0-9a-f]{32}$/);
    expect(runTraceId('run-1')).toBe(runTraceId('run-1'));
    expect(runTraceId('00000000-0000-0000-0000-000000000000')).not.toBe('0'.repeat(32));
  });

  it('gives every span a new id: a process prefix and a counter, never all zero', () => {
    const ids = Array.from({ length: 20_000 }, () => newSpanId());
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^[0-9a-f]{16}$/.test(id) && !/^0+$/.test(id))).toBe(true);
    expect(new Set(ids.map((id) => id.slice(0, 8))).size).toBe(1);
  });

  it("makes a valid traceparent for a run's root", () => {
    const header = runTraceparent('0f8d2b84-3c1e-4c55-9a4b-2e1d6c7f8a90');
    expect(parseTraceparent(header)).toEqual({ traceId: '0f8d2b843c1e4c559a4b2e1d6c7f8a90', spanId: '0f8d2b843c1e4c55', flags: '01' });
    expect(runTraceparent('0f8d2b84-3c1e-4c55-9a4b-2e1d6c7f8a90')).toBe(header);
    expect(parseTraceparent(runTraceparent('run-1'))).toMatchObject({ traceId: runTraceId('run-1') });
    expect(parseTraceparent(runTraceparent('00000000-0000-0000-0000-00000000000a'))?.spanId).not.toBe('0'.repeat(16));
  });
});
