import { BatonError } from '@baton/core';
import { MAX_MESSAGE_BYTES, isPermanent, messageKey, runFromMessage } from './run-from-message';
import { useCaseFixture } from './use-cases-fixture.test-helper';

const trigger = { name: 'orders', tenant: 't', template: 'take-order' };

describe('runFromMessage', () => {
  it('refuses a body that is not JSON or not UTF-8, and one over the limit, before anything else', async () => {
    const { deps } = useCaseFixture();
    await expect(runFromMessage(deps, trigger, { body: Buffer.from('{"a": secret') })).rejects.toMatchObject({ code: 'INVALID_JSON', message: 'the message body is not JSON (UTF-8)' });
    await expect(runFromMessage(deps, trigger, { body: Buffer.from([0x22, 0xff, 0x22]) })).rejects.toMatchObject({ code: 'INVALID_JSON' });
    await expect(runFromMessage(deps, trigger, { body: Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x20) })).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('starts a template as a submitter of the trigger\'s tenant: without templates, TEMPLATE_NOT_FOUND', async () => {
    const { deps } = useCaseFixture();
    await expect(runFromMessage(deps, trigger, { id: 'm1', body: Buffer.from('{}') })).rejects.toMatchObject({ code: 'TEMPLATE_NOT_FOUND' });
  });

  it('raises an event: no template listening starts nothing', async () => {
    const { deps } = useCaseFixture();
    expect(await runFromMessage(deps, { name: 'orders', tenant: 't', event: 'order.created' }, { id: 'm1', body: Buffer.from('{"id":1}') })).toEqual({ runs: [] });
  });
});

describe('messageKey', () => {
  it('is the trigger\'s name and the message id; a long id is hashed', () => {
    expect(messageKey({ name: 'orders' }, 'abc')).toBe('trigger:orders:abc');
    const long = messageKey({ name: 'orders' }, 'x'.repeat(500));
    expect(long).toMatch(/^trigger:orders:sha256:[0-9a-f]{64}$/);
    expect(messageKey({ name: 'orders' }, 'x'.repeat(500))).toBe(long);
  });
});

describe('isPermanent', () => {
  it.each<[unknown, boolean]>([
    [new BatonError('VALIDATION_FAILED', 'x'), true],
    [new BatonError('INVALID_JSON', 'x'), true],
    [new BatonError('TEMPLATE_NOT_FOUND', 'x'), true],
    [new BatonError('IDEMPOTENCY_CONFLICT', 'x'), true],
    [new BatonError('FORBIDDEN', 'x'), true],
    [new BatonError('UNAVAILABLE', 'x'), false],
    [new BatonError('INTERNAL', 'x'), false],
    [new Error('connection terminated'), false],
  ])('%p → %p', (error, permanent) => {
    expect(isPermanent(error)).toBe(permanent);
  });
});
