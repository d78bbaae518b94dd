import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** `--input` and a signal's payload: JSON text, `@file` or `-` (standard input), JSON or YAML. */
export function readValue(value: string, what: string): unknown {
  if (value.startsWith('@') || value === '-') {
    const path = value === '-' ? 'standard input' : value.slice(1);
    let text: string;
    try {
      text = readFileSync(value === '-' ? 0 : path, 'utf8');
    } catch (err) {
      throw new UsageError(`${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    try {
      return parseYaml(text) as unknown;
    } catch (err) {
      throw new UsageError(`${what}: ${path} is not JSON or YAML (${(err as Error).message.split('\n')[0]})`);
    }
  }
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new UsageError(`${what}: not JSON (give JSON text, @file, or - for standard input)`);
  }
}

/** A whole number from `min`, or a UsageError naming `what`. */
export function wholeNumber(value: string, what: string, min = 1): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) < min) throw new UsageError(`${what}: a whole number from ${min}`);
  return Number(value);
}

/** A mistake in the command line or its files, shown without a stack. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
