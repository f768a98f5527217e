/**
 * Matching pushed tags against glob and regex rules in linear time: RE2 semantics (re2js, a pure
 * JavaScript port of RE2), so no rule and no tag can make a match backtrack, whatever the spec's
 * load-time checks (./tag-rules.ts) let through. Only deploy imports this module: the engine stays
 * out of the other functions' bundles, and loads on the first pattern compiled (its top level
 * builds RE2's Unicode tables), so a deploy with no glob or regex rule never loads it.
 */
import type * as Re2js from 're2js';
import { onFirstUse } from '../../on-first-use';
import { globToRegex, isOciTag } from './tag-syntax';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- bundled, run on first use (../../on-first-use.ts)
const re2js = onFirstUse(() => require('re2js') as typeof Re2js);

const compiled = new Map<string, Re2js.RE2JS>();

/** A pattern compiled once per container: rules come from the specs, which do not change. */
function compile(regex: string): Re2js.RE2JS {
  let pattern = compiled.get(regex);
  if (pattern === undefined) {
    pattern = re2js().RE2JS.compile(regex);
    compiled.set(regex, pattern);
  }
  return pattern;
}

/**
 * Whether a regex rule takes a tag: the whole tag must match. A tag that is not an OCI tag (over
 * 128 characters, or other characters) matches nothing, before the pattern runs.
 *
 * @example
 * regexMatches('release-\\d+', 'release-42'); // true
 * regexMatches('(a+)+', 'a'.repeat(127) + '!'); // false, in microseconds
 */
export function regexMatches(regex: string, tag: string): boolean {
  return isOciTag(tag) && compile(regex).matches(tag);
}

/**
 * Whether a glob rule takes a tag (`*` any run, `?` one character, `[...]`, `{a,b}`), in linear time.
 *
 * @example
 * globMatches('main-*', 'main-4f2a9c1'); // true
 */
export function globMatches(glob: string, tag: string): boolean {
  return isOciTag(tag) && compile(globToRegex(glob)).matches(tag);
}

/**
 * Why RE2 refuses a regex rule, or undefined: JavaScript takes some syntax RE2 does not
 * (lookaround, backreferences, `\cX`, `\uFFFF`). Deploy checks every rule with it when it loads
 * the workloads, so such a rule is a spec error, not a failed match.
 *
 * @example
 * re2Problem('v(?=1)'); // 'RE2 does not take it (error parsing regexp: invalid or unsupported Perl syntax: `(?=`) ...'
 */
export function re2Problem(regex: string): string | undefined {
  try {
    compile(regex);
    return undefined;
  } catch (error) {
    return `RE2 does not take it (${error instanceof Error ? error.message : String(error)}): tags are matched in linear time, without lookaround or backreferences`;
  }
}
