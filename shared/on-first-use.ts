/**
 * A package a function loads when it first needs it rather than when Lambda requires the handler.
 * For what only some invocations use (deploy's tag engines: re2js builds its Unicode tables and
 * semver its regexes at load): an invocation that never calls it never pays for it. The call site
 * writes a plain `require` of the package inside `load`, so esbuild still bundles the package (as
 * a module whose top level runs on that first call) and jest resolves it as usual.
 */

/**
 * `load`, run once on the first call; every later call answers the same value (a load that threw
 * is run again by the next call).
 *
 * @example
 * // eslint-disable-next-line @typescript-eslint/no-require-imports -- bundled, run on first use
 * const semver = onFirstUse(() => require('semver') as typeof Semver); // import type * as Semver from 'semver'
 * semver().valid('v1.2.3'); // '1.2.3' (semver's top level ran just now)
 */
export function onFirstUse<T>(load: () => T): () => T {
  let loaded: { value: T } | undefined;
  return () => (loaded ??= { value: load() }).value;
}
