'use strict';
/**
 * An esbuild plugin that ships each function with a V8 code cache. Once esbuild has written a
 * bundle (`functions/provision/handler.js`), the plugin moves it to `handler.bundle.js`, makes its
 * code cache (`handler.bundle.js.v8cache`) in a child Node, and writes in its place the small
 * loader Lambda requires (scripts/esbuild/code-cache-loader.cjs): it compiles the bundle with the
 * cache through `vm.Script` and falls back to a plain compile when the cache cannot be used.
 *
 * V8 accepts a cache only from its own version and the same V8 flags, and Lambda's nodejs
 * runtime starts Node with heap flags derived from the function's memory size
 * ({@link lambdaV8Flags}); so the cache is made with those flags, by the Node that packages, and
 * only when that Node's major version is the runtime's. V8 refuses a cache from another Node
 * release, even of the same V8 version: `EKS_PILOT_CODE_CACHE_NODE` (read by
 * scripts/esbuild-plugins.cjs) names the Node binary of the runtime's release to make it with. Node's own `module.enableCompileCache()`
 * was measured and not used: it keys its directory by the full Node version, compiles before the
 * top level runs, and gives up when its directory is read-only (as Lambda's task root is).
 * serverless-esbuild zips every file of a function's folder whose name starts with the bundle's
 * (its pack.js): the three files ship together, in that function's zip only.
 */
const { Buffer } = require('node:buffer');
const { execFileSync, spawn } = require('node:child_process');
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { digestOf } = require('./code-cache-loader.cjs');

/** @typedef {import('./code-cache-training.cjs').Training} Training the event a training run invokes the handler with, and its settings */

const LOADER_TEMPLATE = path.join(__dirname, 'code-cache-loader.cjs');
const PRODUCER = path.join(__dirname, 'code-cache-produce.cjs');
/** The line of the template the packaged loader replaces with its call. */
const EXPORTS_LINE = /^module\.exports = \{[^\n]*\}; \/\/ eks-pilot: handler entry$/m;
/** The default of serverless.yml's `memorySize` (the Serverless Framework's, for AWS). */
const DEFAULT_MEMORY_SIZE = 1024;

/**
 * The V8 flags Lambda's nodejs runtime starts Node with for a function of `memorySize` MB: the
 * runtime's bootstrap (/var/runtime/bootstrap of the public.ecr.aws/lambda/nodejs images) passes
 * `--expose-gc --max-http-header-size 81920` and, from AWS_LAMBDA_FUNCTION_MEMORY_SIZE, a tenth
 * of the memory as new space (half of it per semi-space) and the rest as old space.
 * `--max-http-header-size` is Node's, not V8's, and does not touch the cache.
 *
 * @param {number} memorySize
 * @returns {string[]}
 * @example
 * lambdaV8Flags(512); // ['--expose-gc', '--max-semi-space-size=25', '--max-old-space-size=461']
 */
function lambdaV8Flags(memorySize) {
  const newSpace = Math.floor(memorySize / 10);
  return ['--expose-gc', `--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memorySize - newSpace}`];
}

/** The three files of a packaged function, from the bundle esbuild wrote (`.../handler.js`). */
function filesOf(output) {
  const bundle = output.replace(/\.js$/, '.bundle.js');
  return { loader: output, bundle, cache: `${bundle}.v8cache` };
}

/**
 * Runs scripts/esbuild/code-cache-produce.cjs and answers the cache it writes to fd 3, or
 * `{ sideEffect }` when the bundle's top level (or its training invocation) reached outside the
 * process.
 */
function produce(bundle, mode, v8Flags, node, training) {
  return new Promise((resolve, reject) => {
    const args = [...v8Flags, '--experimental-permission', '--allow-fs-read=*', '--no-warnings', PRODUCER, bundle, mode];
    const child = spawn(node, training === undefined ? args : [...args, training.event], {
      // Nothing of the packaging shell's (credentials, endpoints) reaches the bundle's top level.
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', TZ: 'UTC', ...(training === undefined ? {} : training.env) },
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    const chunks = [];
    let stderr = '';
    child.stdio[3].on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 3) resolve({ sideEffect: stderr.trim() });
      else if (code !== 0) reject(new Error(`${bundle}: making its V8 code cache failed (exit ${String(code)}): ${stderr.trim()}`));
      else if (chunks.length === 0) resolve({ sideEffect: `${bundle}: the child that makes its code cache exited before writing one` });
      else resolve({ cache: Buffer.concat(chunks), training: trainingReport(stderr) });
    });
  });
}

/** The training run's report, the producer's last stderr line: how the invocation ended and the AWS calls it made. */
function trainingReport(stderr) {
  const last = stderr.trim().split('\n').pop() ?? '';
  if (!last.startsWith('{"training":')) return undefined;
  return JSON.parse(last).training;
}

/**
 * Turns the bundle esbuild wrote at `output` into the packaged layout: the bundle moved to
 * `<name>.bundle.js`, its code cache, and the loader at `output`. Answers the files, the cache's
 * bytes and how it was made (`train`: after the top level ran and the handler handled the
 * training event, scripts/esbuild/code-cache-training.cjs; `run`: after the top level ran, when
 * there is no training or it reached outside the process; `compile`: the compile only, when the
 * top level has side effects; `none`: the packaging Node's major is not the runtime's, so there
 * is no cache file and the loader compiles without one).
 *
 * @param {string} output the `.js` file esbuild wrote
 * @param {{ v8Flags: string[], runtimeMajor?: number, node?: string, training?: Training, warn?: (message: string) => void }} options
 *   `node`: the Node that makes the cache (default: this one, checked against `runtimeMajor`)
 * @returns {Promise<{ loader: string, bundle: string, cache: string, cacheBytes: number, made: 'train' | 'run' | 'compile' | 'none',
 *   training?: { outcome: 'answered' | 'failed' | 'timed out', requests: string[] } }>} `training`: how the training invocation ended and the
 *   AWS calls it made (`json AmazonSSM.GetParameter`), when the cache was made by one
 * @example
 * await withCodeCache('.esbuild/.build/functions/provision/handler.js', { v8Flags: lambdaV8Flags(512), runtimeMajor: 22 });
 */
async function withCodeCache(output, options) {
  const node = options.node ?? process.execPath;
  const warn = options.warn ?? ((message) => process.stderr.write(`${message}\n`));
  const files = filesOf(output);
  renameSync(output, files.bundle);
  const nodeVersion = node === process.execPath ? process.version : execFileSync(node, ['-p', 'process.version'], { encoding: 'utf8' }).trim();
  // A cache is V8's own: one made by another Node major would only be refused at every cold start.
  const packagingMajor = Number(/^v(\d+)\./.exec(nodeVersion)?.[1]);
  let made = 'none';
  let cache = Buffer.alloc(0);
  let training;
  if (options.runtimeMajor !== undefined && packagingMajor !== options.runtimeMajor) {
    warn(
      `${files.bundle}: packaged by Node ${nodeVersion}, not the runtime's ${String(options.runtimeMajor)}.x: no V8 code cache (the loader compiles without one)`,
    );
  } else {
    let result;
    if (options.training !== undefined) {
      result = await produce(files.bundle, 'train', options.v8Flags, node, options.training);
      made = 'train';
      if (result.sideEffect !== undefined) warn(`${result.sideEffect}; its code cache holds what the top level compiled only`);
    }
    if (result === undefined || result.sideEffect !== undefined) {
      result = await produce(files.bundle, 'run', options.v8Flags, node);
      made = 'run';
    }
    if (result.sideEffect !== undefined) {
      warn(`${result.sideEffect}; its code cache holds the compile only`);
      result = await produce(files.bundle, 'compile', options.v8Flags, node);
      made = 'compile';
      if (result.sideEffect !== undefined) throw new Error(result.sideEffect);
    }
    cache = result.cache;
    if (made === 'train') training = result.training;
  }
  if (made !== 'none') writeFileSync(files.cache, cache);
  const cached =
    made === 'none'
      ? undefined
      : {
          cacheName: path.basename(files.cache),
          digest: digestOf(readFileSync(files.bundle), cache),
          node: nodeVersion,
        };
  writeFileSync(files.loader, loaderSource(path.basename(files.bundle), cached));
  return { ...files, cacheBytes: cache.length, made, ...(training === undefined ? {} : { training }) };
}

/**
 * The packaged loader: the template with its exports line replaced by the call that loads this
 * function's bundle.
 *
 * @param {string} bundleName
 * @param {{ cacheName: string, digest: string, node: string }} [cached] its cache's file name, {@link digestOf} the bundle and
 *   the cache, and the version of the Node that made it; none: the loader compiles without a cache
 * @returns {string}
 * @example
 * loaderSource('handler.bundle.js', { cacheName: 'handler.bundle.js.v8cache', digest: digestOf(bundle, cache), node: 'v22.23.3' });
 */
function loaderSource(bundleName, cached) {
  const template = readFileSync(LOADER_TEMPLATE, 'utf8');
  if (!EXPORTS_LINE.test(template)) throw new Error(`${LOADER_TEMPLATE}: its last line must be the module.exports line the packaged loader replaces`);
  const files = [`bundle: path.join(__dirname, ${JSON.stringify(bundleName)})`];
  if (cached !== undefined) {
    files.push(
      `cache: path.join(__dirname, ${JSON.stringify(cached.cacheName)})`,
      `digest: ${JSON.stringify(cached.digest)}`,
      `node: ${JSON.stringify(cached.node)}`,
    );
  }
  return template.replace(EXPORTS_LINE, `loadBundle(module, require, { ${files.join(', ')} });`);
}

/**
 * A function's memory size as serverless.yml sets it: its own `memorySize`, else the provider's.
 *
 * @param {{ service: { provider: { memorySize?: number }, functions?: Record<string, { handler?: string, memorySize?: number }> } }} serverless
 * @param {string} entry the entry point esbuild builds, relative to the service folder or absolute
 * @param {string} serviceDir
 * @returns {number[]} the memory sizes of the functions built from `entry`
 */
function memorySizesOf(serverless, entry, serviceDir) {
  const { provider, functions = {} } = serverless.service;
  const module = path.resolve(serviceDir, entry).replace(/\.[cm]?[jt]s$/, '');
  return Object.values(functions)
    .filter((fn) => fn && typeof fn.handler === 'string' && path.resolve(serviceDir, fn.handler.slice(0, fn.handler.lastIndexOf('.'))) === module)
    .map((fn) => Number(fn.memorySize ?? provider.memorySize ?? DEFAULT_MEMORY_SIZE));
}

/**
 * The plugin, for serverless-esbuild's `custom.esbuild.plugins` file: each build's bundle gets its
 * cache, made with the V8 flags of the function's memory size.
 *
 * @param {{ memorySizeOf: (entry: string) => number, trainingOf?: (entry: string) => Training | undefined, runtimeMajor?: number, node?: string,
 *   warn?: (message: string) => void }} options
 *   `node`: the Node binary that makes the caches (default: this one); `trainingOf`: the training run of an entry's cache
 * @returns {import('esbuild').Plugin}
 * @example
 * await build({ entryPoints: ['functions/provision/handler.ts'], outdir, plugins: [codeCachePlugin({ memorySizeOf: () => 512, runtimeMajor: 22 })] });
 */
function codeCachePlugin(options) {
  return {
    name: 'eks-pilot-code-cache',
    setup(build) {
      if (build.initialOptions.write === false) return;
      build.initialOptions.metafile = true;
      const root = build.initialOptions.absWorkingDir ?? process.cwd();
      build.onEnd(async (result) => {
        if (result.errors.length > 0 || result.metafile === undefined) return;
        for (const [output, meta] of Object.entries(result.metafile.outputs)) {
          if (!output.endsWith('.js') || meta.entryPoint === undefined) continue;
          const v8Flags = lambdaV8Flags(options.memorySizeOf(meta.entryPoint));
          const training = options.trainingOf?.(meta.entryPoint);
          await withCodeCache(path.resolve(root, output), {
            v8Flags,
            ...(training === undefined ? {} : { training }),
            ...(options.runtimeMajor === undefined ? {} : { runtimeMajor: options.runtimeMajor }),
            ...(options.node === undefined ? {} : { node: options.node }),
            ...(options.warn ? { warn: options.warn } : {}),
          });
        }
      });
    },
  };
}

module.exports = { codeCachePlugin, withCodeCache, lambdaV8Flags, memorySizesOf, loaderSource, filesOf, DEFAULT_MEMORY_SIZE };
