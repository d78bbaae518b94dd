import { RE2JS } from 're2js';
import { BoundedCache } from './bounded-cache';

/** A pattern the linear engine cannot run (a backreference, a lookaround, …), with why. */
export class UnsupportedRegExpError extends Error {
  constructor(
    readonly source: string,
    reason: string,
  ) {
    super(`regular expression /${source}/ is not supported: ${reason} (Baton matches in linear time, with RE2 syntax: no backreferences or lookarounds)`);
    this.name = 'UnsupportedRegExpError';
  }
}

/**
 * A client's pattern is at most this long, and compiles to at most this many instructions: a
 * match costs up to (input length × instructions), and compiling a long pattern takes long.
 */
export const MAX_PATTERN_LENGTH = 1_000;
export const MAX_PATTERN_PROGRAM = 1_000;

// Compiled patterns by flags and source. JSONata builds its regex engine on every evaluation of a
// regex literal, and compiling costs far more than a typical match.
const compiled = new BoundedCache<RE2JS>(1_000);

/** The RE2 form of a JavaScript pattern. @throws UnsupportedRegExpError */
function linear(native: RegExp, bounded: boolean): RE2JS {
  if (bounded && native.source.length > MAX_PATTERN_LENGTH) {
    throw new UnsupportedRegExpError(native.source.slice(0, 40) + '…', `longer than ${MAX_PATTERN_LENGTH} characters`);
  }
  const key = `${native.flags}/${native.source}`;
  let hit = compiled.get(key);
  if (!hit) {
    try {
      hit = RE2JS.compile(RE2JS.translateRegExp(native));
    } catch (err) {
      throw new UnsupportedRegExpError(native.source, (err as Error).message.replace(/^error parsing regexp: /, ''));
    }
    compiled.set(key, hit);
  }
  if (bounded && hit.programSize() > MAX_PATTERN_PROGRAM) {
    throw new UnsupportedRegExpError(native.source, `too complex (${hit.programSize()} instructions, at most ${MAX_PATTERN_PROGRAM})`);
  }
  return hit;
}

/**
 * A regular expression that matches in time linear in its input (RE2, through RE2JS), whatever the
 * pattern: no pattern can make it backtrack, so a regex from a client cannot freeze the process.
 * It has the part of `RegExp`'s surface that JSONata (its `RegexEngine` option: `new`, `lastIndex`,
 * `exec`) and ajv (its `code.regExp` option: `test`) use. Patterns are JavaScript's syntax, checked
 * as such first; what RE2 lacks (backreferences, lookarounds) is an `UnsupportedRegExpError`.
 */
export class LinearRegExp {
  /** Where a global or sticky search starts, and where the last match of one ended. */
  lastIndex = 0;
  readonly source: string;
  readonly flags: string;
  private readonly re: RE2JS;
  private readonly continues: boolean;

  /**
   * `bounded`: a client's pattern, held to `MAX_PATTERN_LENGTH` and `MAX_PATTERN_PROGRAM`; Baton's
   * own (the formats of input schemas) are not.
   * @throws SyntaxError (not a JavaScript pattern) or UnsupportedRegExpError (not one RE2 runs)
   */
  constructor(pattern: RegExp | string, flags?: string, bounded = true) {
    const native = typeof pattern === 'string' ? new RegExp(pattern, flags) : pattern;
    this.source = native.source;
    this.flags = native.flags;
    this.continues = native.global || native.sticky;
    this.re = linear(native, bounded);
  }

  /** Like `RegExp.prototype.exec`: the match with its groups (undefined for a group that did not take part), `index` and `input`. */
  exec(input: string): RegExpExecArray | null {
    const from = this.continues ? this.lastIndex : 0;
    const matcher = this.re.matcher(input);
    if (from > input.length || !matcher.find(from)) {
      if (this.continues) this.lastIndex = 0;
      return null;
    }
    const groups: (string | undefined)[] = [];
    for (let g = 0; g <= matcher.groupCount(); g++) groups.push(matcher.group(g) ?? undefined);
    const match = Object.assign(groups, { index: matcher.start(), input, groups: undefined }) as unknown as RegExpExecArray;
    if (this.continues) this.lastIndex = matcher.end();
    return match;
  }

  test(input: string): boolean {
    return this.continues ? this.exec(input) !== null : this.re.test(input);
  }

  toString(): string {
    return `/${this.source}/${this.flags}`;
  }
}

/** `LinearRegExp` as JSONata's `RegexEngine` option takes it (JSONata calls `new RegexEngine(regex)` with its parsed `RegExp`). */
export const LINEAR_REGEX_ENGINE = LinearRegExp as unknown as RegExpConstructor;

/** Why `pattern` cannot run on the linear engine (or is not a JavaScript pattern at all), or undefined. */
export function regExpProblem(pattern: RegExp | string, flags?: string): string | undefined {
  try {
    new LinearRegExp(pattern, flags);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
