/**
 * Sets `record[key]` as an own property whatever the key: a plain `record[key] = value` with the
 * key `__proto__` would replace the record's prototype and the entry would be lost.
 */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
  else record[key] = value;
}
