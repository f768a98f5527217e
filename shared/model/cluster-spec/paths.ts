/** Where the specs are, as the EKS_PILOT_SPECS setting spells it: one parser for every function and the CLI. */

/** What the functions read when EKS_PILOT_SPECS is not set: the `specs` folder packaged with them. */
export const DEFAULT_SPEC_PATHS: readonly string[] = ['specs'];

/**
 * The spec files or folders a setting names: comma-separated, blanks around each trimmed, empty
 * entries dropped. An unset setting gives `fallback`. Pure: the caller reads the environment.
 *
 * @example
 * specPathsFrom(' specs/a.yaml, specs/b ,'); // ['specs/a.yaml', 'specs/b']
 * specPathsFrom(undefined); // ['specs']
 * specPathsFrom(undefined, []); // []
 */
export function specPathsFrom(setting: string | undefined, fallback: readonly string[] = DEFAULT_SPEC_PATHS): string[] {
  if (setting === undefined) return [...fallback];
  return setting
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
