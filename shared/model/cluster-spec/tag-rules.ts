/**
 * What a tag rule's pattern may be, checked when a spec loads, in every function: cheap checks with
 * no matching engine. Matching itself (./tag-match.ts) runs in linear time and ships only with deploy.
 *
 * A tag is at most 128 characters of `[A-Za-z0-9_.-]` (OCI distribution spec, "Pulling manifests":
 * `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`), so a pattern needs nothing outside that alphabet.
 */
import safeRegex from 'safe-regex2';

/** The OCI distribution spec's tag: at most 128 characters. */
export const MAX_TAG_LENGTH = 128;
export const OCI_TAG = /^[\w][\w.-]{0,127}$/;

/** Longer than any sensible rule; keeps the compiled pattern small. */
export const MAX_PATTERN_LENGTH = 256;

/**
 * Whether a pushed tag is one the OCI spec allows: checked before any rule runs, so no pattern ever
 * sees more than 128 characters.
 *
 * @example
 * isOciTag('v1.2.3'); // true
 * isOciTag('a'.repeat(129)); // false
 */
export function isOciTag(tag: string): boolean {
  return tag.length <= MAX_TAG_LENGTH && OCI_TAG.test(tag);
}

/**
 * Why a tag rule's regex cannot be used, or undefined. It must be valid JavaScript and RE2 alike
 * (RE2's part is checked where it is matched, ./tag-match.ts), and free of nested repetition such
 * as `(a+)+`, which a backtracking engine takes exponential time over (safe-regex2's star-height check).
 *
 * @example
 * regexProblem('(a+)+'); // 'nests a repetition inside a repetition ...'
 * regexProblem('release-\\d+'); // undefined
 */
export function regexProblem(source: string): string | undefined {
  if (source.length > MAX_PATTERN_LENGTH) return `expected at most ${MAX_PATTERN_LENGTH} characters, got ${source.length}`;
  try {
    new RegExp(source);
  } catch {
    return 'expected a valid regular expression (the common syntax of JavaScript and RE2: no lookaround, no backreferences)';
  }
  if (!safeRegex(source)) {
    return 'nests a repetition inside a repetition (as in (a+)+) or repeats more than 25 times: such a pattern can backtrack catastrophically; write it flat, e.g. a+';
  }
  return undefined;
}

/** What a tag glob may hold: tag characters and the wildcards `*`, `?`, `[...]`, `{a,b}`. */
const GLOB_TEXT = /^[\w.\-*?[\]{},!^]+$/;

/**
 * Why a tag rule's glob cannot be used, or undefined: tag characters, `*` (any run), `?` (one
 * character), `[a-z]` / `[!a-z]` (one of, or none of), `{a,b}` (either), and brackets and braces
 * that close.
 *
 * @example
 * globProblem('main-*'); // undefined
 * globProblem('feature/*'); // 'a tag glob takes letters, digits, _ . - and the wildcards * ? [...] {a,b}'
 */
export function globProblem(glob: string): string | undefined {
  if (glob.length > MAX_PATTERN_LENGTH) return `expected at most ${MAX_PATTERN_LENGTH} characters, got ${glob.length}`;
  if (!GLOB_TEXT.test(glob)) return 'a tag glob takes letters, digits, _ . - and the wildcards * ? [...] {a,b}';
  try {
    globToRegex(glob);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * A tag glob as an RE2 regular expression (whole-tag match). `*` is any run of characters (tags
 * hold no `/`), `?` one character, `[...]` a class (`!` or `^` negates), `{a,b}` alternatives.
 *
 * @throws Error naming what does not close.
 * @example
 * globToRegex('v{1,2}.*'); // '(?:v(?:1|2)\\..*)'
 */
export function globToRegex(glob: string): string {
  let out = '';
  let braces = 0;
  for (let index = 0; index < glob.length; index++) {
    const char = glob.charAt(index);
    if (char === '*') out += '.*';
    else if (char === '?') out += '.';
    else if (char === '[') {
      const close = glob.indexOf(']', index + 2);
      if (close === -1) throw new Error(`the [ at character ${index + 1} does not close`);
      const body = glob.slice(index + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      out += `[${negated ? '^' : ''}${escapeClass(negated ? body.slice(1) : body)}]`;
      index = close;
    } else if (char === '{') {
      braces += 1;
      if (braces > 1) throw new Error('braces do not nest in a tag glob');
      out += '(?:';
    } else if (char === ',' && braces === 1) out += '|';
    else if (char === '}') {
      if (braces === 0) throw new Error(`the } at character ${index + 1} opens nowhere`);
      braces -= 1;
      out += ')';
    } else out += char.replace(/[.\-^$|+()\\[\]{}]/g, '\\$&');
  }
  if (braces !== 0) throw new Error('a { does not close');
  return `(?:${out})`;
}

/** A class body with only ranges of tag characters left special. */
function escapeClass(body: string): string {
  return body.replace(/[\\\]^[]/g, '\\$&');
}
