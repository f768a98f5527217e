'use strict';
/**
 * The esbuild plugins serverless-esbuild builds every function with (serverless.yml
 * `custom.esbuild.plugins`); the bench loads the same file, so it measures what ships.
 * serverless-esbuild calls the export with the Serverless instance (its dist/index.js, `get
 * plugins`): the specs it packages are the ones the bundles hold pre-validated, and each bundle
 * gets its V8 code cache and loader (scripts/esbuild/code-cache.cjs). The bench passes
 * `{ specPaths }` instead and adds the code cache itself (`withCodeCache`), so it can measure the
 * bundle with and without it.
 */
const { sdkSchemaKeysPlugin } = require('./esbuild/sdk-schema-keys.cjs');
const { sdkPackageVersionPlugin } = require('./esbuild/sdk-package-version.cjs');
const { lambdaCredentialsPlugin } = require('./esbuild/lambda-credentials.cjs');
const { lazyBuiltinsPlugin } = require('./esbuild/lazy-builtins.cjs');
const { prevalidatedSpecsPlugin, servicesSpecPaths } = require('./esbuild/prevalidated-specs.cjs');
const { codeCachePlugin, memorySizesOf, DEFAULT_MEMORY_SIZE } = require('./esbuild/code-cache.cjs');
const { trainingOf } = require('./esbuild/code-cache-training.cjs');

/**
 * @param {{ service: object, config: object } | { specPaths: string[] }} context
 * @returns {import('esbuild').Plugin[]}
 */
module.exports = (context) => {
  if (context === undefined) throw new Error('scripts/esbuild-plugins.cjs: pass the Serverless instance, or { specPaths }');
  if ('specPaths' in context)
    return [
      sdkSchemaKeysPlugin(),
      sdkPackageVersionPlugin(),
      lambdaCredentialsPlugin(),
      lazyBuiltinsPlugin(),
      prevalidatedSpecsPlugin({ specPaths: () => context.specPaths }),
    ];
  const serviceDir = context.config.serviceDir || context.config.servicePath;
  const runtimeMajor = Number(/^nodejs(\d+)\.x$/.exec(String(context.service.provider.runtime))?.[1]);
  const memorySizeOf = (entry) => {
    const sizes = [...new Set(memorySizesOf(context, entry, serviceDir))];
    // One bundle, one cache: functions sharing a handler file share its memory size's flags (the first's).
    if (sizes.length > 1) process.stderr.write(`${entry}: functions of ${sizes.join(', ')} MB share it; its V8 code cache fits ${String(sizes[0])} MB only\n`);
    return sizes[0] ?? DEFAULT_MEMORY_SIZE;
  };
  return [
    sdkSchemaKeysPlugin(),
    sdkPackageVersionPlugin(),
    lambdaCredentialsPlugin(),
    lazyBuiltinsPlugin(),
    prevalidatedSpecsPlugin({ specPaths: () => servicesSpecPaths(context) }),
    // The Node release Lambda runs (docs/performance.md, "V8 code cache"); default: the Node that packages.
    codeCachePlugin({
      memorySizeOf,
      trainingOf: (entry) => trainingOf(entry, serviceDir, servicesSpecPaths(context)),
      ...(Number.isInteger(runtimeMajor) ? { runtimeMajor } : {}),
      ...(process.env.EKS_PILOT_CODE_CACHE_NODE ? { node: process.env.EKS_PILOT_CODE_CACHE_NODE } : {}),
    }),
  ];
};
