import { isPayloadRef } from '@baton/engine';
import { getPayload } from './get-payload';
import { submitRun } from './submit-run';
import { callers, echoChain, useCaseFixture } from './use-cases-fixture.test-helper';

test('a stored value of the caller\'s tenant, whole; another tenant\'s, an unknown and a malformed id are PAYLOAD_NOT_FOUND', async () => {
  const { deps, runtime } = useCaseFixture({ payloadThresholdBytes: 1000 });
  const { id } = await submitRun(deps, callers.admin, { workflow: echoChain() });
  const ref = await runtime.offload(id, { text: 'x'.repeat(2000) });
  if (!isPayloadRef(ref)) throw new Error('not offloaded');
  expect(await getPayload(deps, callers.viewer, { id: ref.$batonPayload })).toEqual({ text: 'x'.repeat(2000) });
  for (const [caller, payload] of [[callers.stranger, ref.$batonPayload], [callers.viewer, '3f1b7c1e-0000-4000-8000-000000000000'], [callers.viewer, 'x'.repeat(500)]] as const) {
    await expect(getPayload(deps, caller, { id: payload })).rejects.toMatchObject({ code: 'PAYLOAD_NOT_FOUND', message: `payload ${payload.slice(0, 100)} not found` });
  }
});
