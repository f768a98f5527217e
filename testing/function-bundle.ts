/**
 * A snippet bundled as serverless-esbuild bundles the functions (serverless.yml `custom.esbuild`:
 * minified CommonJS for node22, ES builds of the SDK first), in memory, for tests of the build
 * plugins and of what a bundle carries; and the bundle run as Lambda would load it.
 */
import path from 'node:path';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';

const ROOT = path.resolve(__dirname, '..');

export interface FunctionBundle {
  /** The bundle's code. */
  code: string;
  /** Each input the bundle keeps bytes of (path relative to the repository), with those bytes. */
  inputs: { path: string; bytes: number }[];
}

/**
 * Bundles `source` (TypeScript, resolved from the repository's root) with `plugins`.
 *
 * @example
 * const { inputs } = await bundleLikeFunctions("export { loadSpecs } from './shared/model/cluster-spec/load';", []);
 * inputs.some((input) => input.path.includes('node_modules/zod/')); // true
 */
export async function bundleLikeFunctions(source: string, plugins: Plugin[]): Promise<FunctionBundle> {
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    minify: true,
    keepNames: false,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    mainFields: ['module', 'main'],
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins,
  });
  const output = Object.values(result.metafile.outputs)[0];
  const inputs = Object.entries(output?.inputs ?? {})
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([name, input]) => ({ path: name, bytes: input.bytesInOutput }));
  return { code: result.outputFiles[0]?.text ?? '', inputs };
}

/**
 * Runs a CommonJS bundle and answers its exports.
 *
 * @example
 * const exported = evaluateBundle(code); // { loadSpecs: [Function], ... }
 */
export function evaluateBundle(code: string): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- runs the bundle esbuild just built
  const run = new Function('module', 'exports', 'require', code) as (module: object, exports: object, load: NodeJS.Require) => void;
  run(module, module.exports, require);
  return module.exports;
}
