import { PassThrough } from 'node:stream';
import { createLogger } from './logger';
import { REDACTED, redact, redactText } from './redact';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJl';

describe('redact', () => {
  it('replaces the values of secret-named fields at any depth, whatever their case and separators', () => {
    const secret = 's3cr3t-value';
    const out = redact({
      authorization: `Bearer ${secret}`, 'X-API-Key': secret, apiKey: secret, password: secret, client_secret: secret,
      refreshToken: secret, 'set-cookie': secret, key: secret,
      headers: { Authorization: secret, nested: [{ token: secret }] },
    });
    expect(JSON.stringify(out)).not.toContain(secret);
    expect(out).toMatchObject({ authorization: REDACTED, key: REDACTED, headers: { Authorization: REDACTED, nested: [{ token: REDACTED }] } });
  });

  it('keeps fields that only look alike: step keys, token counts, the correlation ids', () => {
    const fields = { stepKey: 'notify[3]', runId: 'r1', requestId: 'q1', traceId: 'abc', tokenCount: 3, keys: ['a'], monkey: 'x' };
    expect(redact(fields)).toEqual(fields);
  });

  it('replaces API keys, JWTs and bearer credentials inside text, keeping the key id', () => {
    expect(redactText('auth failed for bk_k1d_9f8e7d6c5b4a3 from 10.0.0.1')).toBe(`auth failed for bk_k1d_${REDACTED} from 10.0.0.1`);
    expect(redactText(`token ${JWT} expired`)).toBe(`token ${REDACTED} expired`);
    expect(redactText('header Bearer abc.def-ghi')).toBe(`header Bearer ${REDACTED}`);
    expect(redactText('a plain line')).toBe('a plain line');
  });

  it('copies, never changes, what it is given; an Error becomes its name and redacted message', () => {
    const value = { password: 'p', list: [1, 'bk_a_b'] };
    expect(redact(value)).toEqual({ password: REDACTED, list: [1, `bk_a_${REDACTED}`] });
    expect(value).toEqual({ password: 'p', list: [1, 'bk_a_b'] });
    expect(redact(new TypeError(`bad ${JWT}`))).toEqual({ name: 'TypeError', message: `bad ${REDACTED}` });
  });
});

describe('createLogger', () => {
  const capture = (format: 'json' | 'pretty') => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    return { logger: createLogger({ service: 'test', format, stream, level: 'debug' }), lines };
  };

  it('writes one JSON object a line, with the fields of its children and no secret', async () => {
    const { logger, lines } = capture('json');
    logger.child({ requestId: 'req-1' }).child({ runId: 'run-1' }).info('failed for bk_k1_secretpart', { authorization: 'Bearer x', headers: { 'x-api-key': 'k' }, error: `jwt ${JWT}` });
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', service: 'test', requestId: 'req-1', runId: 'run-1', message: `failed for bk_k1_${REDACTED}`, authorization: REDACTED, headers: { 'x-api-key': REDACTED } });
    expect(lines[0]).not.toMatch(/secretpart|eyJhbGci/);
  });

  it('writes readable text in the pretty format, redacted too', async () => {
    const { logger, lines } = capture('pretty');
    logger.child({ runId: 'run-1' }).warn('slow', { password: 'hunter2', ms: 12 });
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    // eslint-disable-next-line no-control-regex -- the level is coloured
    const plain = lines[0]!.replace(/\u001b\[[0-9;]*m/g, '');
    expect(plain).toMatch(/^\S+ warn \[test\] slow /);
    expect(plain).toContain('runId=run-1');
    expect(plain).toContain(`password=${REDACTED}`);
    expect(plain).not.toContain('hunter2');
  });
});
