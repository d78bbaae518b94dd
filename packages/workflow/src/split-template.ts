/** A piece of a template string: literal text, or the source of one `{{ … }}` expression (trimmed). */
export type TemplatePart = { text: string } | { expression: string };

export type SplitResult = { ok: true; parts: TemplatePart[] } | { ok: false; message: string };

/**
 * Splits a string into text and `{{ … }}` expressions. The closing `}}` is found with JSONata's
 * lexical structure in mind, so `{{ {'a': {'b': 1}} }}` and `{{ '}}' }}` are single expressions.
 * (Regular-expression literals are not tracked: write `}}` inside one as `\}\}`.)
 */
export function splitTemplate(value: string): SplitResult {
  const parts: TemplatePart[] = [];
  let textStart = 0;
  let open = value.indexOf('{{');
  while (open !== -1) {
    const close = findClose(value, open + 2);
    if (close === -1) return { ok: false, message: `"{{" at character ${open} has no matching "}}"` };
    if (open > textStart) parts.push({ text: value.slice(textStart, open) });
    parts.push({ expression: value.slice(open + 2, close).trim() });
    textStart = close + 2;
    open = value.indexOf('{{', textStart);
  }
  if (textStart < value.length) parts.push({ text: value.slice(textStart) });
  return { ok: true, parts };
}

/** Index of the `}}` that ends an expression starting at `from`, skipping strings, names, comments and `{ … }`. */
function findClose(s: string, from: number): number {
  let depth = 0;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === "'" || c === '`') {
      i = skipQuoted(s, i, c);
    } else if (c === '/' && s[i + 1] === '*') {
      const end = s.indexOf('*/', i + 2);
      if (end === -1) return -1;
      i = end + 1;
    } else if (c === '{') {
      depth++;
    } else if (c === '}') {
      if (depth > 0) depth--;
      else if (s[i + 1] === '}') return i;
    }
  }
  return -1;
}

/** Index of the quote that closes the one at `start`, or the end of `s`. Backquoted names have no escapes. */
export function skipQuoted(s: string, start: number, quote: string): number {
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === quote) return i;
    if (s[i] === '\\' && quote !== '`') i++;
  }
  return s.length;
}
