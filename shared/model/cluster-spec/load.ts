/**
 * Reads cluster specs from YAML files and folders, and turns every problem into a SpecIssue that
 * names the file, the line and column, and the field path, with what was expected.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { SpecError } from '../../errors';
import type { SpecIssue } from '../../errors';
import type { ClusterSpec } from './schema';
// A bundle built with pre-validated specs gets ./prevalidated.ts here (scripts/esbuild/prevalidated-specs.cjs).
import { parseSpecFile } from './validate';

export { parseSpec, parseSpecFile } from './validate';
export type { ParseResult } from './validate';
export {
  formatPath,
  MANIFEST_LIMITS,
  MAX_MANIFEST_BYTES,
  MAX_REPORTED_ISSUES,
  MAX_SPEC_ALIASES,
  MAX_SPEC_BYTES,
  MAX_SPEC_DEPTH,
  parseYamlDocuments,
  SPEC_LIMITS,
  specIssueAt,
} from './yaml-file';
export type { YamlDocumentValue, YamlLimits } from './yaml-file';

export interface LoadedSpec {
  /** The file as the user named it (relative paths stay relative), for messages. */
  file: string;
  spec: ClusterSpec;
}

/**
 * Loads every spec the paths name: a file is one cluster; a folder is a fleet, every `*.yaml` and
 * `*.yml` directly inside it. Throws one SpecError listing every issue in every file.
 *
 * @example
 * const [{ spec }] = await loadSpecs(['examples/starter/cluster.yaml']);
 */
export async function loadSpecs(paths: readonly string[]): Promise<LoadedSpec[]> {
  const { loaded, failed } = await loadSpecsSettled(paths);
  const issues = failed.flatMap((item) => item.error.issues);
  if (issues.length > 0) throw new SpecError(issues);
  return loaded;
}

/**
 * Like {@link loadSpecs}, but one bad file does not stop the others: the specs that validate, and
 * for each file that does not, its SpecError. A path that names nothing still throws.
 *
 * @example
 * const { loaded, failed } = await loadSpecsSettled(['specs']); // failed: [{ file: 'specs/broken.yaml', error }]
 */
export async function loadSpecsSettled(paths: readonly string[]): Promise<{ loaded: LoadedSpec[]; failed: { file: string; error: SpecError }[] }> {
  const files = (await Promise.all(paths.map(specFilesAt))).flat();
  const failed: { file: string; error: SpecError }[] = [];
  const valid: LoadedSpec[] = [];
  for (const file of files) {
    const result = parseSpecFile(await readFile(file), file);
    if (result.ok) valid.push({ file, spec: result.spec });
    else failed.push({ file, error: new SpecError(result.issues) });
  }
  const duplicates = duplicateClusters(valid);
  for (const issue of duplicates) failed.push({ file: issue.file, error: new SpecError([issue]) });
  const loaded = valid.filter(({ file }) => !duplicates.some((issue) => issue.file === file));
  return { loaded, failed };
}

let cached: { key: string; specs: Promise<LoadedSpec[]> } | undefined;

/**
 * {@link loadSpecs}, read once per container: the functions' specs ship inside the bundle and do not
 * change during a container's life. A failed read is not kept, so the next invocation tries again
 * and reports the error again.
 *
 * @example
 * const specs = await loadSpecsOnce(['specs']);
 */
export function loadSpecsOnce(paths: readonly string[]): Promise<LoadedSpec[]> {
  const key = paths.join(',');
  if (cached?.key !== key) {
    const specs = loadSpecs(paths);
    cached = { key, specs };
    specs.catch(() => {
      if (cached?.specs === specs) cached = undefined;
    });
  }
  return cached.specs;
}

async function specFilesAt(target: string): Promise<string[]> {
  const info = await stat(target).catch((error: unknown) => {
    throw new SpecError([{ file: target, line: 0, column: 0, path: '', message: 'no such file or folder' }], { cause: error });
  });
  if (!info.isDirectory()) return [target];
  const entries = await readdir(target, { withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => path.join(target, entry.name))
    .sort();
  if (files.length === 0) {
    throw new SpecError([{ file: target, line: 0, column: 0, path: '', message: 'the folder holds no spec files (*.yaml or *.yml directly inside it)' }]);
  }
  return files;
}

function duplicateClusters(loaded: readonly LoadedSpec[]): SpecIssue[] {
  const firstFile = new Map<string, string>();
  const issues: SpecIssue[] = [];
  for (const { file, spec } of loaded) {
    const key = `${spec.region}/${spec.name}`;
    const first = firstFile.get(key);
    if (first === undefined) firstFile.set(key, file);
    else issues.push({ file, line: 0, column: 0, path: 'name', message: `cluster ${spec.name} in ${spec.region} is also specified in ${first}` });
  }
  return issues;
}
