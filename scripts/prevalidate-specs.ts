/**
 * The packaging step's half of pre-validated specs: validates every spec file a function will ship
 * with the full schema (shared/model/cluster-spec/validate.ts) and writes each outcome under the
 * SHA-256 of the file's bytes, the table shared/model/cluster-spec/prevalidated.ts answers from at
 * run time. Run by scripts/esbuild/prevalidated-specs.cjs (in a child Node, through tsx) while esbuild bundles.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { PREVALIDATED_FORMAT, specDigest } from '../shared/model/cluster-spec/prevalidated';
import type { PrevalidatedResult, PrevalidatedSpecs } from '../shared/model/cluster-spec/prevalidated';
import { parseSpecFile } from '../shared/model/cluster-spec/validate';

/**
 * The spec files a path names, as the functions read them: a file, or a folder's `*.yaml` and
 * `*.yml` directly inside; nothing for a path that does not exist.
 */
async function specFilesAt(target: string): Promise<string[]> {
  const info = await stat(target).catch(() => undefined);
  if (info === undefined) return [];
  if (!info.isDirectory()) return [target];
  const entries = await readdir(target, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => path.join(target, entry.name))
    .sort();
}

/**
 * The table of every spec the paths name, and the files it was made from (esbuild watches them).
 * A path that names nothing adds nothing: the function then refuses it at run time as it refuses
 * any file it was not packaged with. Throws if a validated spec would not survive JSON unchanged.
 *
 * @example
 * const { table, files } = await prevalidateSpecs(['examples/kianax']);
 * Object.keys(table.results).length; // 1
 */
export async function prevalidateSpecs(paths: readonly string[]): Promise<{ table: PrevalidatedSpecs; files: string[] }> {
  const files = [...new Set((await Promise.all(paths.map(specFilesAt))).flat())];
  const results: Record<string, PrevalidatedResult> = {};
  for (const file of files) {
    const bytes = await readFile(file);
    const result = parseSpecFile(bytes, file);
    if (result.ok) {
      const spec = JSON.stringify(result.spec);
      // The bundle rebuilds the spec from this text: anything JSON cannot hold (undefined, a Date) would change it.
      if (!isDeepStrictEqual(JSON.parse(spec), result.spec))
        throw new Error(`${file}: the validated spec does not survive JSON unchanged, so it cannot ship pre-validated`);
      results[specDigest(bytes)] = { ok: true, spec };
    } else {
      results[specDigest(bytes)] = { ok: false, issues: result.issues.map(({ file: _file, ...issue }) => issue) };
    }
  }
  return { table: { format: PREVALIDATED_FORMAT, results }, files };
}

// `node --require tsx/cjs scripts/prevalidate-specs.ts <path>...`: the table and its files as JSON (scripts/esbuild/prevalidated-specs.cjs).
if (require.main === module) {
  prevalidateSpecs(process.argv.slice(2)).then(
    (result) => process.stdout.write(JSON.stringify(result)),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
