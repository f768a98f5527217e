'use strict';
/**
 * An esbuild plugin that keeps only the version of the AWS SDK's own package.json files.
 *
 * Every client (and each nested client: STS, SSO, SSO OIDC for the credential chain) imports its
 * package.json whole, `import packageInfo from "../package.json"`, to put
 * `packageInfo.version` in the user agent; no other field is read (every use in
 * `@aws-sdk/*\/dist-es` is `packageInfo.version`). esbuild bundles an imported JSON object as it is,
 * so each function carried 2-4 kB per client of scripts, dependencies and keywords: about 14 kB in
 * deploy-worker. This plugin loads those files as `{ "name", "version" }`. What reads the version
 * reads the same string.
 */
const { readFile } = require('node:fs/promises');

/** A package.json of an AWS SDK package, as its ES build imports it. */
const SDK_PACKAGE_JSON = /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]package\.json$/;

/**
 * The fields of an SDK package.json the SDK reads at run time.
 *
 * @param {string} text the file's text
 * @returns {string} JSON of `{ name, version }`
 * @example
 * versionOnly('{"name":"@aws-sdk/client-sqs","version":"3.1.0","scripts":{}}'); // '{"name":"@aws-sdk/client-sqs","version":"3.1.0"}'
 */
function versionOnly(text) {
  const { name, version } = JSON.parse(text);
  if (typeof version !== 'string') throw new Error(`an SDK package.json without a version: ${String(name)}`);
  return JSON.stringify({ name, version });
}

/**
 * The plugin, for serverless-esbuild's `custom.esbuild.plugins` file and the bench.
 *
 * @returns {import('esbuild').Plugin}
 * @example
 * await build({ entryPoints: ['functions/deploy/worker/handler.ts'], bundle: true, plugins: [sdkPackageVersionPlugin()] });
 */
function sdkPackageVersionPlugin() {
  return {
    name: 'eks-pilot-sdk-package-version',
    setup(build) {
      build.onLoad({ filter: SDK_PACKAGE_JSON }, async (args) => ({ contents: versionOnly(await readFile(args.path, 'utf8')), loader: 'json' }));
    },
  };
}

module.exports = { sdkPackageVersionPlugin, versionOnly, SDK_PACKAGE_JSON };
