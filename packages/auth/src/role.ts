/** The roles of API.md, from most to least powerful. What each may do is `can`'s table. */
export const ROLES = ['admin', 'operator', 'submitter', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** True for one of {@link ROLES} (e.g. a stored key's role or a JWT's `roles` claim). */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
