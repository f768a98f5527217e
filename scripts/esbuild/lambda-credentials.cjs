'use strict';
/**
 * An esbuild plugin that gives the Lambda bundles an environment-only credential chain: every
 * import of `@aws-sdk/credential-provider-node` (each client's runtime config imports its
 * `defaultProvider`) resolves to shared/adapters/aws/lambda-credentials.ts instead. Lambda hands a
 * function its role's credentials in environment variables, so the SSO, ini, process, web-identity
 * and metadata providers (and their nested SSO/OIDC clients, about 85 kB of each bundle) never run
 * there. The CLI and the tests run from source and keep the SDK's full chain.
 */
const path = require('node:path');

/** The module every SDK client's runtime config takes its default credential chain from. */
const FULL_CHAIN = /^@aws-sdk\/credential-provider-node$/;

/** The stand-in, next to the other AWS adapters. */
const LAMBDA_CHAIN = path.resolve(__dirname, '..', '..', 'shared', 'adapters', 'aws', 'lambda-credentials.ts');

/**
 * The plugin, for serverless-esbuild's `custom.esbuild.plugins` file and the bench.
 *
 * @returns {import('esbuild').Plugin}
 * @example
 * await build({ entryPoints: ['functions/provision/handler.ts'], bundle: true, plugins: [lambdaCredentialsPlugin()] });
 */
function lambdaCredentialsPlugin() {
  return {
    name: 'eks-pilot-lambda-credentials',
    setup(build) {
      build.onResolve({ filter: FULL_CHAIN }, (args) => {
        // The stand-in loads the full chain by name outside Lambda: that import must stay the real one.
        if (args.importer === LAMBDA_CHAIN) return undefined;
        return { path: LAMBDA_CHAIN };
      });
    },
  };
}

module.exports = { LAMBDA_CHAIN, lambdaCredentialsPlugin };
