'use strict';
/**
 * An esbuild plugin that ships the specs pre-validated: the import of the spec validator
 * (shared/model/cluster-spec/validate.ts: the zod spec schema, YAML parsing, issue wording) resolves
 * to a module built here, which holds the outcome of validating each spec file the function ships
 * (scripts/prevalidate-specs.ts, keyed by the SHA-256 of its bytes) and answers through
 * shared/model/cluster-spec/prevalidated.ts. At run time a spec is hashed and looked up; a file
 * whose bytes were not validated here is refused. The CLI and the tests run from source and keep
 * the full validation.
 */
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const CLUSTER_SPEC = path.resolve(__dirname, '..', '..', 'shared', 'model', 'cluster-spec');
/** The module replaced, and the one that answers in its place. */
const VALIDATOR = path.join(CLUSTER_SPEC, 'validate.ts');
const PREVALIDATED = path.join(CLUSTER_SPEC, 'prevalidated.ts');
const COMPILER = path.resolve(__dirname, '..', 'prevalidate-specs.ts');
const NAMESPACE = 'eks-pilot-prevalidated-specs';

/**
 * Runs scripts/prevalidate-specs.ts in a child Node through tsx: the validator is the TypeScript
 * the CLI runs, whatever loader (or none) the process that bundles has.
 *
 * @param {string[]} specPaths
 * @returns {{ table: object, files: string[] }}
 */
function prevalidate(specPaths) {
  const output = execFileSync(process.execPath, ['--require', require.resolve('tsx/cjs'), COMPILER, ...specPaths], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(output);
}

/**
 * The plugin, for serverless-esbuild's `custom.esbuild.plugins` file and the bench.
 *
 * @param {{ specPaths: () => string[] }} options the spec files or folders the function ships (absolute), read when a build starts
 * @returns {import('esbuild').Plugin}
 * @example
 * await build({ entryPoints: ['functions/provision/handler.ts'], bundle: true, plugins: [prevalidatedSpecsPlugin({ specPaths: () => ['/srv/specs'] })] });
 */
function prevalidatedSpecsPlugin({ specPaths }) {
  return {
    name: 'eks-pilot-prevalidated-specs',
    setup(build) {
      build.onResolve({ filter: /^\.\/validate(\.ts)?$/ }, (args) => {
        if (path.join(args.resolveDir, 'validate.ts') !== VALIDATOR) return undefined;
        return { path: 'packaged-specs', namespace: NAMESPACE };
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, () => {
        const { table, files } = prevalidate(specPaths());
        const contents = [
          `import { prevalidatedParsers } from ${JSON.stringify(PREVALIDATED)};`,
          `const parsers = prevalidatedParsers(${JSON.stringify(table)});`,
          'export const parseSpec = parsers.parseSpec;',
          'export const parseSpecFile = parsers.parseSpecFile;',
        ].join('\n');
        return { contents, loader: 'js', resolveDir: CLUSTER_SPEC, watchFiles: files };
      });
    },
  };
}

/**
 * The spec paths a Serverless service packages with every function: its `EKS_PILOT_SPECS`
 * (serverless.yml `provider.environment`, from the `specs` parameter), comma-separated, relative to
 * the service folder.
 *
 * @param {{ service: { provider: { environment?: Record<string, unknown> } }, config: { serviceDir?: string, servicePath?: string } }} serverless
 * @returns {string[]}
 */
function servicesSpecPaths(serverless) {
  const setting = String((serverless.service.provider.environment || {}).EKS_PILOT_SPECS || '');
  const serviceDir = serverless.config.serviceDir || serverless.config.servicePath || process.cwd();
  return setting
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => path.resolve(serviceDir, item));
}

module.exports = { PREVALIDATED, VALIDATOR, prevalidatedSpecsPlugin, servicesSpecPaths };
