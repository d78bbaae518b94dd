import { hydrateWithin, payloadLink, type LoadPayloads } from './hydrate-within';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';

/** A store of values, recording what each load asked for. */
function store(values: Record<string, unknown>): { load: LoadPayloads; asked: string[][] } {
  const asked: string[][] = [];
  const load: LoadPayloads = async (ids) => {
    asked.push([...ids].sort());
    return new Map(ids.filter((id) => id in values).map((id) => [id, values[id]]));
  };
  return { load, asked };
}

const ref = (id: string, value: unknown) => ({ $batonPayload: id, bytes: Buffer.byteLength(JSON.stringify(value)) });
const big = (n: number, fill = 'x') => fill.repeat(n);

describe('hydrateWithin', () => {
  it('returns a value without references as it is, loading nothing', async () => {
    const { load, asked } = store({});
    const value = { a: [1, { b: 'c' }], d: null };
    expect(await hydrateWithin(value, 10, load)).toBe(value);
    expect(asked).toEqual([]);
  });

  it('inlines every stored value when the whole fits the budget', async () => {
    const a = { text: big(100) };
    const { load, asked } = store({ [A]: a, [B]: 'bee' });
    const view = { output: ref(A, a), steps: [{ output: ref(B, 'bee') }, { output: ref(A, a) }] };
    expect(await hydrateWithin(view, 10_000, load)).toEqual({ output: a, steps: [{ output: 'bee' }, { output: a }] });
    expect(asked).toEqual([[A, B]]);
  });

  it('links the values that do not fit, in document order, and never loads them', async () => {
    const a = big(600, 'a');
    const b = big(600, 'b');
    const c = big(100, 'c');
    const { load, asked } = store({ [A]: a, [B]: b, [C]: c });
    const view = { steps: [{ output: ref(A, a) }, { output: ref(B, b) }, { output: ref(C, c) }] };
    const out = await hydrateWithin(view, 1000, load);
    expect(out).toEqual({ steps: [{ output: a }, { output: payloadLink(B) }, { output: c }] });
    expect(payloadLink(B)).toEqual({ $ref: `/v1/payloads/${B}` });
    expect(asked).toEqual([[A, C]]);
    expect(Buffer.byteLength(JSON.stringify(out))).toBeLessThanOrEqual(1000);
  });

  it('counts every occurrence of a value against the budget', async () => {
    const a = big(400);
    const { load } = store({ [A]: a });
    const out = await hydrateWithin([ref(A, a), ref(A, a), ref(A, a)], 1000, load);
    expect(out).toEqual([a, a, payloadLink(A)]);
  });

  it('links everything when the value alone is over the budget', async () => {
    const { load, asked } = store({ [A]: 'small' });
    const out = await hydrateWithin({ inline: big(2000), output: ref(A, 'small') }, 1000, load);
    expect(out).toEqual({ inline: big(2000), output: payloadLink(A) });
    expect(asked).toEqual([]);
  });

  it('links a reference its loader does not find (deleted, or another tenant\'s)', async () => {
    const { load } = store({});
    expect(await hydrateWithin({ output: ref(A, 'x') }, 1000, load)).toEqual({ output: payloadLink(A) });
  });

  it('follows references inside stored values, within the same budget', async () => {
    const c = big(300, 'c');
    const b = big(900, 'b');
    const a = { parts: [ref(B, b), ref(C, c)] };
    const { load, asked } = store({ [A]: a, [B]: b, [C]: c });
    const out = await hydrateWithin({ output: ref(A, a) }, 600, load);
    expect(out).toEqual({ output: { parts: [payloadLink(B), c] } });
    expect(asked).toEqual([[A], [C]]);
  });

  it('stops following references that lead to references forever', async () => {
    const loop = { next: { $batonPayload: A, bytes: 10 } };
    const { load, asked } = store({ [A]: loop });
    const out = await hydrateWithin(loop, 1_000_000, load);
    let depth = 0;
    let node: unknown = out;
    while (node && typeof node === 'object' && 'next' in node) {
      node = (node as { next: unknown }).next;
      depth++;
    }
    expect(node).toEqual(payloadLink(A));
    expect(depth).toBeLessThanOrEqual(10);
    expect(asked.length).toBeLessThanOrEqual(8);
  });
});
