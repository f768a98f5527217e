'use strict';
/**
 * The esbuild plugins serverless-esbuild builds every function with (serverless.yml
 * `custom.esbuild.plugins`); the bench loads the same file, so it measures what ships.
 */
const { sdkSchemaKeysPlugin } = require('./esbuild/sdk-schema-keys.cjs');
const { lambdaCredentialsPlugin } = require('./esbuild/lambda-credentials.cjs');

module.exports = [sdkSchemaKeysPlugin(), lambdaCredentialsPlugin()];
