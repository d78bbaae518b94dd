import { bodyHash, canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('drops undefined properties and writes undefined array items as null, like JSON.stringify', () => {
    expect(canonicalJson({ a: undefined, b: [undefined] })).toBe('{"b":[null]}');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('escapes keys and strings as JSON', () => {
    expect(canonicalJson({ 'a"b': 'line\nbreak' })).toBe('{"a\\"b":"line\\nbreak"}');
  });
});

describe('bodyHash', () => {
  it('is the same for the same body in any key order', () => {
    expect(bodyHash({ workflow: { name: 'a', steps: [] }, input: { x: 1 } })).toBe(bodyHash({ input: { x: 1 }, workflow: { steps: [], name: 'a' } }));
  });

  it('differs when a value differs', () => {
    expect(bodyHash({ input: { x: 1 } })).not.toBe(bodyHash({ input: { x: 2 } }));
    expect(bodyHash({ input: [1, 2] })).not.toBe(bodyHash({ input: [2, 1] }));
  });

  it('is a sha256 hex digest', () => {
    expect(bodyHash({})).toMatch(/^[0-9a-f]{64}$/);
  });
});
