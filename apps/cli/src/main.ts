#!/usr/bin/env node
import { BatonApiError } from '@baton/client';
import { createProgram } from './program';
import { UsageError } from './read-input';

createProgram(process.env).parseAsync(process.argv).catch((err: unknown) => {
  // The api's code and message (and every problem), or the mistake; never a stack for these.
  if (err instanceof BatonApiError) {
    process.stderr.write(`error: ${err.message} (${err.code}${err.status ? `, HTTP ${err.status}` : ''})\n`);
    for (const d of err.details) process.stderr.write(`  ${d.path}: ${d.message}\n`);
  } else if (err instanceof UsageError) {
    process.stderr.write(`error: ${err.message}\n`);
  } else {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
