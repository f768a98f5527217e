/**
 * What a function's bundle checks specs with in place of ./validate.ts: the packaging step
 * (scripts/esbuild/prevalidated-specs.cjs) validated every spec it ships with the full schema and
 * wrote each outcome into the bundle, keyed by the SHA-256 of the file's bytes. At run time a spec
 * file is only hashed and looked up: no YAML parse, no schema. A file whose bytes match no packaged
 * spec was never validated, so it is refused, never trusted.
 */
import { createHash } from 'node:crypto';
import type { SpecIssue } from '../../errors';
import type { ClusterSpec } from './schema';
import type { ParseResult } from './validate';

/** The table's format: a bundle refuses a table of another one. */
export const PREVALIDATED_FORMAT = 1;

/** What validating one spec file gave, as the packaging step writes it. */
export type PrevalidatedResult =
  /** The validated spec (defaults applied) as JSON text: parsed on use, so each load gets its own copy. */
  | { ok: true; spec: string }
  /** Its issues, each without the file: the file is named as the function reads it. */
  | { ok: false; issues: Omit<SpecIssue, 'file'>[] };

/** Every packaged spec's outcome by the SHA-256 (hex) of its bytes. */
export interface PrevalidatedSpecs {
  format: number;
  results: Readonly<Record<string, PrevalidatedResult>>;
}

/** The two parsers load.ts takes from ./validate.ts, answering from a packaged table. */
export interface SpecParsers {
  parseSpec(text: string, file: string): ParseResult;
  parseSpecFile(bytes: Buffer, file: string): ParseResult;
}

/**
 * The SHA-256 (hex) of a spec file's bytes: the key of its outcome in a {@link PrevalidatedSpecs} table.
 *
 * @example
 * specDigest(readFileSync('specs/kianax.yaml')); // '3f5a…' (64 hex digits)
 */
export function specDigest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The parsers of a bundle built with pre-validated specs: a spec's outcome is the one validated at
 * packaging for the same bytes; any other file is refused with an issue that says so.
 *
 * @example
 * const { parseSpecFile } = prevalidatedParsers({ format: 1, results: { [specDigest(bytes)]: { ok: true, spec: '{"name":"kianax",...}' } } });
 * parseSpecFile(bytes, 'specs/kianax.yaml'); // { ok: true, spec: { name: 'kianax', ... } }
 */
export function prevalidatedParsers(table: PrevalidatedSpecs): SpecParsers {
  if (table.format !== PREVALIDATED_FORMAT) {
    throw new Error(
      `the packaged specs are in format ${String(table.format)}; this bundle reads format ${String(PREVALIDATED_FORMAT)}: package the function again`,
    );
  }
  const count = Object.keys(table.results).length;
  const parseSpecFile = (bytes: Buffer, file: string): ParseResult => {
    const digest = specDigest(bytes);
    const result = Object.hasOwn(table.results, digest) ? table.results[digest] : undefined;
    if (result === undefined) {
      const packaged = count === 0 ? 'no spec was packaged with this function' : `it matches none of the ${String(count)} packaged with this function`;
      return {
        ok: false,
        issues: [
          {
            file,
            line: 0,
            column: 0,
            path: '',
            message: `this file was not validated when the function was packaged (sha256 ${digest.slice(0, 12)}: ${packaged}); package the function again with it`,
          },
        ],
      };
    }
    if (result.ok) return { ok: true, spec: JSON.parse(result.spec) as ClusterSpec };
    return { ok: false, issues: result.issues.map((issue) => ({ file, ...issue })) };
  };
  return { parseSpecFile, parseSpec: (text, file) => parseSpecFile(Buffer.from(text, 'utf8'), file) };
}
