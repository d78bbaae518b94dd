import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** `--input` and a signal's payload: JSON text, or `@file` (JSON or YAML). */
export function readValue(value: string, what: string): unknown {
  if (value.startsWith('@')) {
    const path = value.slice(1);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
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
    throw new UsageError(`${what}: not JSON (give JSON text, or @file)`);
  }
}

/** A mistake in the command line or its files, shown without a stack. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
