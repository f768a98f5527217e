'use strict';
/**
 * The esbuild plugins serverless-esbuild builds every function with (serverless.yml
 * `custom.esbuild.plugins`); the bench loads the same file, so it measures what ships.
 * serverless-esbuild calls the export with the Serverless instance (its dist/index.js, `get
 * plugins`): the specs it packages are the ones the bundles hold pre-validated. The bench passes
 * `{ specPaths }` instead.
 */
const { sdkSchemaKeysPlugin } = require('./esbuild/sdk-schema-keys.cjs');
const { lambdaCredentialsPlugin } = require('./esbuild/lambda-credentials.cjs');
const { prevalidatedSpecsPlugin, servicesSpecPaths } = require('./esbuild/prevalidated-specs.cjs');

/**
 * @param {{ service: object, config: object } | { specPaths: string[] }} context
 * @returns {import('esbuild').Plugin[]}
 */
module.exports = (context) => {
  if (context === undefined) throw new Error('scripts/esbuild-plugins.cjs: pass the Serverless instance, or { specPaths }');
  const specPaths = 'specPaths' in context ? () => context.specPaths : () => servicesSpecPaths(context);
  return [sdkSchemaKeysPlugin(), lambdaCredentialsPlugin(), prevalidatedSpecsPlugin({ specPaths })];
};
