/**
 * The syntax tag rules share, pure and without dependencies: what a tag is (OCI distribution
 * spec, "Pulling manifests": `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`, so a pattern needs nothing
 * outside that alphabet) and a glob as the regex the matcher runs. The spec's checks
 * (./tag-rules.ts) and the matcher (./tag-match.ts) both build on it.
 */

/** The OCI distribution spec's tag: at most 128 characters. */
export const MAX_TAG_LENGTH = 128;
export const OCI_TAG = /^[\w][\w.-]{0,127}$/;

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
