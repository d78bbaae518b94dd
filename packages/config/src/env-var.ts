import { z } from 'zod';

/** An empty variable counts as unset, so `PORT=` in an env file (or `LOG_LEVEL=''`) means the default. */
export const emptyAsUnset = (value: unknown): unknown => (value === '' ? undefined : value);

// Digits only: `Number()` would also take ' 1e3 ', '0x10' and '3.0'.
const integer = (min: number, max: number) =>
  z.string().transform((value, ctx) => {
    const n = /^\d{1,15}$/.test(value.trim()) ? Number(value) : NaN;
    if (n >= min && n <= max) return n;
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be an integer between ${min} and ${max}` });
    return z.NEVER;
  });

const url = (protocols: readonly string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

// Several comma-separated URLs: the seed nodes of a cluster (Redis Cluster).
const urls = (protocols: readonly string[]) =>
  z.string().refine(
    (value) => value.split(',').every((one) => {
      try {
        return protocols.includes(new URL(one.trim()).protocol);
      } catch {
        return false;
      }
    }),
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}, or several comma-separated (the nodes of a cluster)` },
  );

const list = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

/**
 * The rules of one environment variable, shared by every Baton process so that one name is read
 * one way everywhere. Each treats an empty value as unset ({@link emptyAsUnset}); those given a
 * default parse to it when unset, the others to `undefined`.
 */
export const envVar = {
  /** A decimal integer within `[min, max]`. */
  integer: (min: number, max: number, fallback: number) => z.preprocess(emptyAsUnset, integer(min, max).default(String(fallback))),
  /** A URL whose scheme is one of `protocols` (each with its colon, e.g. `'redis:'`). */
  url: (protocols: readonly string[], fallback: string) => z.preprocess(emptyAsUnset, url(protocols).default(fallback)),
  /** One URL as `url`, or several comma-separated ones (the seed nodes of a cluster). */
  urls: (protocols: readonly string[], fallback: string) => z.preprocess(emptyAsUnset, urls(protocols).default(fallback)),
  /** One of `values`, exactly. */
  oneOf: <T extends string>(values: readonly [T, ...T[]], fallback: NoInfer<T>) =>
    z.preprocess(emptyAsUnset, z.enum(values, { message: `must be one of ${values.join(', ')}` }).default(fallback)),
  /** Text matching `pattern`; `message` says what it must be. */
  matching: (pattern: RegExp, message: string, fallback: string) => z.preprocess(emptyAsUnset, z.string().regex(pattern, message).default(fallback)),
  /** Any text. */
  text: (fallback: string) => z.preprocess(emptyAsUnset, z.string().default(fallback)),
  /** A comma-separated list, items trimmed, empty items dropped; `undefined` when unset. */
  list: () => z.preprocess(emptyAsUnset, list.optional()),
  /** JSON text whose value `schema` checks; `undefined` when unset. */
  json: <S extends z.ZodTypeAny>(schema: S) =>
    z.preprocess(
      emptyAsUnset,
      z
        .string()
        .transform((text, ctx) => {
          try {
            return JSON.parse(text) as unknown;
          } catch (error) {
            // Not JSON.parse's message: Node's quotes the text, which may hold credentials.
            const at = /position (\d+)/.exec((error as Error).message)?.[1];
            ctx.addIssue({ code: z.ZodIssueCode.custom, message: at === undefined ? 'not JSON: it ends too early or is not JSON text' : `not JSON: unexpected character at position ${at}` });
            return z.NEVER;
          }
        })
        .pipe(schema)
        .optional(),
    ),
};
