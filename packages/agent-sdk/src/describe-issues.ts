import type { z } from 'zod';

/** Every issue of a refused value, as `path: message` joined by `; ` (`(input)` for the whole value). */
export const describeIssues = (issues: z.ZodIssue[], whole = '(input)'): string =>
  issues.map((issue) => `${issue.path.length ? issue.path.join('.') : whole}: ${issue.message}`).join('; ');
