/**
 * Argument parsing every command shares: node:util parseArgs (options anywhere on the line), the
 * common flags, and errors that name what was wrong as a {@link UsageError}.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { specPathsFrom } from '../shared/model/cluster-spec/paths';
import { UsageError } from './output';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command takes. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies Options;

/** Flags of the commands that plan. */
export const PLAN_OPTIONS = {
  offline: { type: 'boolean', default: false },
  'detailed-exitcode': { type: 'boolean', default: false },
} as const satisfies Options;

/**
 * Parses `argv` against `options` (plus {@link COMMON_OPTIONS}).
 *
 * @throws UsageError naming the unknown option or the missing value.
 * @example
 * const { values, positionals } = parseCommand(argv, { ...PLAN_OPTIONS, only: { type: 'string', multiple: true } });
 */
export function parseCommand<O extends Options>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { ...COMMON_OPTIONS, ...options } });
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}

/**
 * The spec files or folders of a command: its positionals and `--spec`, else EKS_PILOT_SPECS (the
 * variable the functions read), else a usage error naming the command.
 *
 * @example
 * specPaths(['examples/kianax'], undefined, 'pools'); // ['examples/kianax']
 */
export function specPaths(positionals: readonly string[], spec: readonly string[] | undefined, command: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const paths = [...positionals, ...(spec ?? [])];
  if (paths.length > 0) return paths;
  const fromEnv = specPathsFrom(env.EKS_PILOT_SPECS, []);
  if (fromEnv.length > 0) return fromEnv;
  throw new UsageError(`${command} needs a spec file or folder`);
}

/**
 * A whole number option such as `--to 3`.
 *
 * @throws UsageError when it is not one.
 */
export function wholeNumber(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`${option} expects a whole number of 1 or more, not "${value}"`);
  return Number(value);
}
