import type { ZodError } from 'zod';
import { formatPath, joinPath, type Problem } from './problem';

/** Every issue of a failed parse, one problem per unknown field, messages starting in lower case. */
export function zodProblems(error: ZodError): Problem[] {
  return error.issues.flatMap((issue): Problem[] => {
    const path = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: joinPath(path, key), message: 'unknown field' }));
    if (issue.code === 'invalid_type' && issue.received === 'undefined') return [{ path, message: 'is required' }];
    return [{ path, message: issue.message.charAt(0).toLowerCase() + issue.message.slice(1) }];
  });
}
