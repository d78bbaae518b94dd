import type { WorkflowDefinition } from '@baton/workflow';
import { refuseSelfInclusion, selfInclusion, type TemplateLookup } from './template-cycle';

const wf = (name: string, ...refs: Array<string | [string, number]>): WorkflowDefinition => ({
  name,
  steps: [
    { id: 'first', agent: 'echo', needs: [], onFailure: 'fail' },
    ...refs.map((r, i) => ({ id: `sub${i}`, workflow: typeof r === 'string' ? r : r[0], ...(typeof r === 'string' ? {} : { version: r[1] }), needs: [], onFailure: 'fail' as const })),
  ],
});

/** Stored templates of tenant t: name → versions (1-based). */
function lookup(stored: Record<string, WorkflowDefinition[]>): TemplateLookup & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    get: async (tenant, name, version) => {
      reads.push(`${name}@${version ?? 'latest'}`);
      const versions = tenant === 't' ? stored[name] : undefined;
      const definition = versions?.[(version ?? versions.length) - 1];
      return definition && { definition };
    },
  };
}

describe('selfInclusion', () => {
  test('a template naming itself includes itself directly', async () => {
    expect(await selfInclusion(lookup({}), 't', 'a', wf('a', 'a'))).toEqual(['a', 'a']);
  });

  test('through others, following the latest version or the pinned one', async () => {
    const store = lookup({ b: [wf('b'), wf('b', 'c')], c: [wf('c', 'a')] });
    expect(await selfInclusion(store, 't', 'a', wf('a', 'b'))).toEqual(['a', 'b', 'c', 'a']);
    // version 1 of b includes nothing
    expect(await selfInclusion(store, 't', 'a', wf('a', ['b', 1]))).toBeUndefined();
  });

  test('unknown templates and another tenant\'s end their branch; each template is read once', async () => {
    const store = lookup({ b: [wf('b', 'x', 'c')], c: [wf('c', 'b')] });
    expect(await selfInclusion(store, 't', 'a', wf('a', 'b', 'c'))).toBeUndefined();
    expect(store.reads).toEqual(['b@latest', 'x@latest', 'c@latest']);
    expect(await selfInclusion(lookup({ b: [wf('b', 'a')] }), 'u', 'a', wf('a', 'b'))).toBeUndefined();
  });
});

describe('refuseSelfInclusion', () => {
  test('is a VALIDATION_FAILED at the step that starts the loop, naming the chain', async () => {
    await expect(refuseSelfInclusion(lookup({ b: [wf('b', 'a')] }), 't', 'a', wf('a', 'b'))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'steps[1].workflow', message: 'template a would include itself: a → b → a' }],
    });
    await expect(refuseSelfInclusion(lookup({}), 't', 'a', wf('a', 'b'))).resolves.toBeUndefined();
  });
});
