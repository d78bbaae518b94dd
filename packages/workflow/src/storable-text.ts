import { joinPath, type Problem } from './problem';

/**
 * Every value a run holds is stored as JSON in Postgres, which takes no NUL (`\u0000`) and no lone
 * UTF-16 surrogate (`\ud800` without its pair) in text or keys. Such a value is refused with a
 * reason, never changed on the way.
 */

// As `JSON.stringify` writes them: a NUL or a lone surrogate is a `\u` escape after an even number
// of backslashes (an odd count escapes the backslash itself); a surrogate pair is never escaped.
const UNSTORABLE_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f])/i;

/** Whether JSON text written by `JSON.stringify` holds a NUL or a lone surrogate. Cheap on text that has neither. */
export function unstorableJson(text: string): boolean {
  return (text.includes('\\u0000') || text.includes('\\ud')) && UNSTORABLE_ESCAPE.test(text);
}

const isWellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();

function whyNot(s: string): string | undefined {
  const nul = s.includes('\u0000');
  const lone = !isWellFormed(s);
  if (!nul && !lone) return undefined;
  const what = [nul ? 'holds \\u0000' : '', lone ? 'is not well-formed Unicode (a lone UTF-16 surrogate)' : ''].filter(Boolean).join(' and ');
  return `${what}, which cannot be stored`;
}

/**
 * Where `value` holds strings or keys that cannot be stored, at most `max` of them, in document
 * order, with paths under `base` (`input.ticket.body`, `output.items[2]`). Iterative: any depth.
 */
export function unstorableStrings(value: unknown, base = '', max = 20): Problem[] {
  const problems: Problem[] = [];
  // A bad key is reported for the key; what is under it is not looked at.
  const stack: Array<{ value: unknown; path: string; key?: string }> = [{ value, path: base }];
  while (stack.length > 0 && problems.length < max) {
    const { value: v, path, key } = stack.pop()!;
    const keyProblem = key === undefined ? undefined : whyNot(key);
    if (keyProblem) {
      problems.push({ path, message: `the key ${keyProblem}` });
    } else if (typeof v === 'string') {
      const why = whyNot(v);
      if (why) problems.push({ path, message: why });
    } else if (v !== null && typeof v === 'object') {
      const children = Array.isArray(v)
        ? v.map((item: unknown, i) => ({ value: item, path: joinPath(path, i) }))
        : Object.entries(v).map(([k, item]) => ({ value: item, path: joinPath(path, k), key: k }));
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
  }
  return problems;
}
