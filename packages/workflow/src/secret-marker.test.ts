import { SECRET_NAME, replaceSecretMarkers, secretMarker, secretMarkersIn, secretReferences } from './secret-marker';

describe('secret markers', () => {
  const input = { a: `Bearer ${secretMarker('TOKEN')}`, b: [secretMarker('X'), 3, null, { c: `${secretMarker('TOKEN')}/${secretMarker('Y')}` }], d: 'plain', e: '«secret:not a name»' };

  test('names every marker in strings, nested', () => {
    expect([...secretMarkersIn(input)].sort()).toEqual(['TOKEN', 'X', 'Y']);
    expect(secretMarkersIn(42).size).toBe(0);
  });

  test('replaces the markers of the given secrets only', () => {
    const values = new Map([['TOKEN', 's3cr3t'], ['X', '$& $1']]);
    expect(replaceSecretMarkers(input, values)).toEqual({ a: 'Bearer s3cr3t', b: ['$& $1', 3, null, { c: `s3cr3t/${secretMarker('Y')}` }], d: 'plain', e: '«secret:not a name»' });
    expect(replaceSecretMarkers(7, values)).toBe(7);
  });

  test('keeps a key __proto__ as data', () => {
    const out = replaceSecretMarkers(JSON.parse(`{"__proto__": "${secretMarker('A')}"}`), new Map([['A', 'v']])) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toBe('v');
  });

  test.each([['A', true], ['_a9', true], ['9a', false], ['a-b', false], ['', false], ['a'.repeat(128), true], ['a'.repeat(129), false]])('name %s: %s', (name, ok) => {
    expect(SECRET_NAME.test(name)).toBe(ok);
  });

  test('references: names, or the problem', () => {
    expect(secretReferences('$secrets.A & $secrets.B')).toEqual({ names: ['A', 'B'] });
    expect(secretReferences('$secrets')).toHaveProperty('problem');
  });
});
