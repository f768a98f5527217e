/**
 * What a tag rule's pattern may be, checked when a spec loads (the schema's refinements): cheap
 * checks with no matching engine. Matching itself (./tag-match.ts) runs in linear time and ships
 * only with deploy; it shares the tag and glob syntax (./tag-syntax.ts), not these checks, so
 * safe-regex2 stays out of the functions that only match.
 */
import safeRegex from 'safe-regex2';
import { globToRegex } from './tag-syntax';

export { MAX_TAG_LENGTH, OCI_TAG, globToRegex, isOciTag } from './tag-syntax';

/** Longer than any sensible rule; keeps the compiled pattern small. */
export const MAX_PATTERN_LENGTH = 256;

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
