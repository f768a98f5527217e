/**
 * Builds each function twice with esbuild's API: as production ships it (serverless.yml's
 * `custom.esbuild`, as serverless-esbuild passes it on) and "unbundled", the same options with
 * `packages: 'external'` so every dependency loads from node_modules at run time. The production
 * build's metafile says which packages take the bytes.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import type { Metafile } from 'esbuild';
import { lambdaV8Flags, withCodeCache } from '../scripts/esbuild/code-cache.cjs';
import { trainingOf } from '../scripts/esbuild/code-cache-training.cjs';
import type { Training } from '../scripts/esbuild/code-cache-training.cjs';
import type { CacheMade } from '../scripts/esbuild/code-cache.cjs';
import type { FunctionEntry, ServerlessConfig } from './serverless-config';
import { ROOT } from './serverless-config';

/** The package the EC2 client ships in: it belongs in eip-manager only (FIELD-NOTES: 38% of an all-in-one bundle). */
export const EC2_CLIENT = '@aws-sdk/client-ec2';

/** The package the Auto Scaling client ships in: provision only (the Cluster Autoscaler tags of node groups' Auto Scaling groups). */
export const AUTO_SCALING_CLIENT = '@aws-sdk/client-auto-scaling';

/** What the bundle of our own code is reported as. */
export const OWN_CODE = '(eks-pilot code)';

/**
 * Parts every function (or one) carries, bundled alone with the same options, so the cold-start
 * proxy can say what share of a handler's load they are.
 */
export const COMPONENTS = [
  { name: 'spec schema (zod)', entry: 'shared/model/cluster-spec/schema.ts' },
  { name: 'EC2 adapter (client-ec2)', entry: 'shared/adapters/aws/ec2.ts' },
] as const;

export interface PackageShare {
  name: string;
  bytes: number;
  /** Of the bundle's bytes. */
  share: number;
}

export interface ComponentFigures {
  name: string;
  entry: string;
  bundlePath: string;
  bytes: number;
}

/** The bundle as `serverless package` ships it: the loader Lambda requires, the bundle and its V8 code cache (scripts/esbuild/code-cache.cjs). */
export interface PackagedFigures {
  /** What Lambda requires. */
  loader: string;
  /** The V8 flags Lambda starts the function's Node with, which the cache was made with. */
  v8Flags: string[];
  memorySize: number;
  made: CacheMade;
  cacheBytes: number;
  /** What the cache and the loader add to the zip: their deflated bytes (the zip's method). */
  zipAddedBytes: number;
  /** The bundle's own deflated bytes, for scale. */
  bundleZipBytes: number;
}

/**
 * The function packaged another way, measured beside what ships so each of the last two cold-start
 * changes shows what it saves in the same run: `top level only`, its cache made right after the
 * top level ran (no training invocation); `builtins at require`, a bundle built without
 * scripts/esbuild/lazy-builtins.cjs, packaged with the training as shipped.
 */
export interface PackagedVariant {
  name: 'top level only' | 'builtins at require';
  loader: string;
  made: CacheMade;
  cacheBytes: number;
}

export interface BundleFigures {
  function: string;
  entry: string;
  /** The production bundle (minified, every dependency in). */
  bundlePath: string;
  bytes: number;
  gzipBytes: number;
  packages: PackageShare[];
  /** Bytes of {@link EC2_CLIENT} in the bundle; 0 when it is not in. */
  ec2ClientBytes: number;
  /** Bytes of {@link AUTO_SCALING_CLIENT} in the bundle; 0 when it is not in. */
  autoScalingClientBytes: number;
  /** The same handler with `packages: 'external'`: our code only, dependencies from node_modules. */
  unbundledPath: string;
  unbundledBytes: number;
  buildMs: number;
  packaged: PackagedFigures;
  variants: PackagedVariant[];
}

/**
 * Builds every function under `outDir` (`bundled/<function>/`, `unbundled/<function>/`); `outDir`
 * must lie inside the repository, so the unbundled files' `require` finds node_modules.
 * `specPathsOf` names the spec files or folders (absolute) each function is packaged with.
 *
 * @example
 * const figures = await buildBundles(readServerlessConfig(), 'node_modules/.cache/eks-pilot-bench');
 */
export async function buildBundles(
  config: ServerlessConfig,
  outDir: string,
  specPathsOf: (fn: string) => readonly string[] = () => [],
): Promise<BundleFigures[]> {
  rmSync(outDir, { recursive: true, force: true });
  const figures: BundleFigures[] = [];
  // One at a time: two cores, and the bench's other figures come after.
  for (const fn of config.functions) figures.push(await buildFunction(fn, config, outDir, specPathsOf(fn.name)));
  return figures;
}

/**
 * Bundles each of {@link COMPONENTS} alone, as production bundles a handler.
 *
 * @example
 * const [schema] = await buildComponents(readServerlessConfig(), 'node_modules/.cache/eks-pilot-bench');
 */
export async function buildComponents(config: ServerlessConfig, outDir: string): Promise<ComponentFigures[]> {
  const figures: ComponentFigures[] = [];
  for (const [index, component] of COMPONENTS.entries()) {
    const outdir = path.join(outDir, 'components', String(index));
    mkdirSync(outdir, { recursive: true });
    const result = await build({
      ...config.esbuild,
      entryPoints: [path.join(ROOT, component.entry)],
      outdir,
      metafile: true,
      absWorkingDir: ROOT,
      logLevel: 'silent',
    });
    const [bundlePath, output] = onlyOutput(result.metafile, component.name);
    figures.push({ name: component.name, entry: component.entry, bundlePath: path.join(ROOT, bundlePath), bytes: output.bytes });
  }
  return figures;
}

async function buildFunction(fn: FunctionEntry, config: ServerlessConfig, outDir: string, specPaths: readonly string[]): Promise<BundleFigures> {
  const entryPoint = path.join(ROOT, fn.entry);
  const bundledDir = path.join(outDir, 'bundled', fn.name);
  const unbundledDir = path.join(outDir, 'unbundled', fn.name);
  mkdirSync(bundledDir, { recursive: true });
  mkdirSync(unbundledDir, { recursive: true });

  const started = process.hrtime.bigint();
  // The specs it ships are in the bundle pre-validated, as serverless-esbuild builds it for `serverless package`.
  const plugins = config.pluginsFor(specPaths);
  const bundled = await build({
    ...config.esbuild,
    plugins,
    entryPoints: [entryPoint],
    outdir: bundledDir,
    metafile: true,
    absWorkingDir: ROOT,
    logLevel: 'silent',
  });
  const buildMs = Number(process.hrtime.bigint() - started) / 1e6;
  const unbundled = await build({
    ...config.esbuild,
    plugins,
    packages: 'external',
    external: [],
    entryPoints: [entryPoint],
    outdir: unbundledDir,
    metafile: true,
    absWorkingDir: ROOT,
    logLevel: 'silent',
  });

  const [bundlePath, output] = onlyOutput(bundled.metafile, fn.name);
  const [unbundledPath, unbundledOutput] = onlyOutput(unbundled.metafile, fn.name);
  const absoluteBundle = path.join(ROOT, bundlePath);
  const bytes = output.bytes;
  const packages = packagesOf(output, bytes);
  const training = trainingOf(fn.entry, ROOT, specPaths);
  const packaged = await packageWithCodeCache(absoluteBundle, path.join(outDir, 'packaged', fn.name), fn.memorySize, training);
  const topLevelOnly = await packageWithCodeCache(absoluteBundle, path.join(outDir, 'top-level-only', fn.name), fn.memorySize, undefined);
  const eagerDir = path.join(outDir, 'builtins-at-require', fn.name);
  const eager = await build({
    ...config.esbuild,
    plugins: plugins.filter((plugin) => plugin.name !== 'eks-pilot-lazy-builtins'),
    entryPoints: [entryPoint],
    outdir: eagerDir,
    metafile: true,
    absWorkingDir: ROOT,
    logLevel: 'silent',
  });
  const [eagerBundle] = onlyOutput(eager.metafile, fn.name);
  const eagerPackaged = await packageWithCodeCache(path.join(ROOT, eagerBundle), path.join(eagerDir, 'packaged'), fn.memorySize, training);
  const variant = (name: PackagedVariant['name'], figures: PackagedFigures): PackagedVariant => ({
    name,
    loader: figures.loader,
    made: figures.made,
    cacheBytes: figures.cacheBytes,
  });
  return {
    function: fn.name,
    entry: fn.entry,
    bundlePath: absoluteBundle,
    bytes,
    gzipBytes: gzipSync(readFileSync(absoluteBundle)).length,
    packages,
    ec2ClientBytes: packages.find((item) => item.name === EC2_CLIENT)?.bytes ?? 0,
    autoScalingClientBytes: packages.find((item) => item.name === AUTO_SCALING_CLIENT)?.bytes ?? 0,
    unbundledPath: path.join(ROOT, unbundledPath),
    unbundledBytes: unbundledOutput.bytes,
    buildMs,
    packaged,
    variants: [variant('top level only', topLevelOnly), variant('builtins at require', eagerPackaged)],
  };
}

/**
 * A copy of the bundle given its code cache and loader as the plugin does at packaging, with the
 * flags of the function's memory size and the training run of its entry (over the specs it is built with).
 */
async function packageWithCodeCache(bundle: string, dir: string, memorySize: number, training: Training | undefined): Promise<PackagedFigures> {
  mkdirSync(dir, { recursive: true });
  const output = path.join(dir, path.basename(bundle));
  copyFileSync(bundle, output);
  const v8Flags = lambdaV8Flags(memorySize);
  const files = await withCodeCache(output, { v8Flags, runtimeMajor: 22, ...(training === undefined ? {} : { training }) });
  const deflated = (file: string) => deflateRawSync(readFileSync(file)).length;
  return {
    loader: files.loader,
    v8Flags,
    memorySize,
    made: files.made,
    cacheBytes: files.cacheBytes,
    zipAddedBytes: deflated(files.loader) + (files.made === 'none' ? 0 : deflated(files.cache)),
    bundleZipBytes: deflated(files.bundle),
  };
}

function onlyOutput(metafile: Metafile, name: string): [string, Metafile['outputs'][string]] {
  const outputs = Object.entries(metafile.outputs).filter(([file]) => file.endsWith('.js'));
  const [first, second] = outputs;
  if (first === undefined || second !== undefined) throw new Error(`esbuild wrote ${outputs.length} JavaScript files for ${name}, expected one`);
  return first;
}

/** Bytes in the output per package, largest first; the remainder (esbuild's runtime helpers) is left out. */
function packagesOf(output: Metafile['outputs'][string], total: number): PackageShare[] {
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = packageOf(input);
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return [...byPackage.entries()].map(([name, bytes]) => ({ name, bytes, share: bytes / total })).sort((a, b) => b.bytes - a.bytes);
}

/**
 * The npm package a metafile input belongs to: the last `node_modules/<name>` or
 * `node_modules/@scope/<name>` in its path, so a nested copy counts under its own name.
 *
 * @example
 * packageOf('node_modules/@smithy/core/dist-cjs/index.js'); // '@smithy/core'
 */
export function packageOf(input: string): string {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at === -1) return OWN_CODE;
  const first = parts[at + 1] ?? '';
  return first.startsWith('@') ? `${first}/${parts[at + 2] ?? ''}` : first;
}
