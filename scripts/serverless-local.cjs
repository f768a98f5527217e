'use strict';
/**
 * A local Serverless plugin (serverless.yml `plugins`, after serverless-esbuild) for what osls and
 * serverless-esbuild leave undone in this service:
 *
 * 1. Packaging (`package`, `deploy`, `deploy function`) starts from an empty esbuild work folder.
 *    serverless-esbuild zips every file of its build folder, so what an earlier `invoke local`
 *    staged there (another specs folder, a manifest deleted since) would ship otherwise.
 * 2. `invoke local` runs the handler inside the build folder, where serverless-esbuild keeps a
 *    function's own `package.patterns` files apart, under `__only_<function>/`. They are copied to
 *    the build root, so the handler finds the files its zip holds where the zip holds them. The
 *    function's earlier staging and the specs folder are removed first, so nothing stale is read.
 * 3. `invoke local` and `offline` cannot resolve a CloudFormation intrinsic in `environment`
 *    (`{ Ref: DeployQueue }`) without a deployed stack: a shell variable of the same name stands in
 *    for it, and without one the variable is left unset (deploy-worker's manual invokes need no
 *    queue). Deploys and packages never read the shell for it.
 * 4. `offline` serves the HTTP route only: the schedules are left to `invoke local`, by hand.
 * 5. The roles' scope comes from the specs: `${specs:<list>}` in serverless.yml is a list of
 *    scripts/iam-scope.ts, computed once from the specs folder (the `specs` parameter) and the
 *    widening parameters. A spec that does not load fails the package with its file:line:column
 *    messages. Once the template is assembled, an IAM statement whose Resource list came out empty
 *    is left out (IAM refuses a statement without resources, and an empty list grants nothing).
 */
const fs = require('node:fs');
const path = require('node:path');

/** serverless-esbuild's folder names (its dist/constants.js) and the options that move them. */
const WORK_FOLDER = '.esbuild';
const BUILD_FOLDER = '.build';
const ONLY_PREFIX = '__only_';

/** The parameters that widen the specs' lists (serverless.yml `params`), by their IamWidening field. */
const WIDENING_PARAMS = {
  clusterNames: 'clusterNames',
  passRoleArns: 'passRoleArns',
  assumeRoleArns: 'assumeRoleArns',
  alarmPrefixes: 'alarmPrefix',
  natGatewayIds: 'natGatewayIds',
  kmsKeyArns: 'kmsKeyArns',
  driftTopicArns: 'driftTopicArn',
  scaleTopicArns: 'scaleTopicArn',
  notifyTopicArns: 'notifyTopicArn',
  githubTokens: 'githubToken',
};

/**
 * The specs' IAM scope, once per process: the loader and the derivation are the TypeScript the
 * functions run (shared/model/cluster-spec/load.ts, scripts/iam-scope.ts), loaded through tsx.
 */
let scopePromise;
function iamScope(resolveVariable, serviceDir, ServerlessError, log) {
  if (scopePromise === undefined) {
    scopePromise = (async () => {
      const { require: tsRequire } = require('tsx/cjs/api');
      const { loadSpecs } = tsRequire(path.join(__dirname, '../shared/model/cluster-spec/load.ts'), path.join(__dirname, 'serverless-local.cjs'));
      const { iamScopeOf, listParameter } = tsRequire(path.join(__dirname, 'iam-scope.ts'), path.join(__dirname, 'serverless-local.cjs'));
      const folders = String(await resolveVariable('param:specs'))
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
      const widening = {};
      for (const [field, param] of Object.entries(WIDENING_PARAMS)) widening[field] = listParameter(await resolveVariable(`param:${param}`));
      const stack = {
        service: String(await resolveVariable('self:service')),
        stage: String(await resolveVariable('sls:stage')),
        region: String(await resolveVariable('self:provider.region')),
      };
      // No specs folder at all (a fresh clone's `npm run package`): nothing to name, so nothing is granted but what the parameters widen.
      const present = folders.filter((folder) => fs.existsSync(path.resolve(serviceDir, folder)));
      const missing = folders.filter((folder) => !present.includes(folder));
      if (missing.length > 0 && log)
        log.warning(`specs: ${missing.join(', ')} does not exist; the roles name no cluster of it (only what the widening parameters add)`);
      let loaded;
      try {
        loaded = present.length === 0 ? [] : await loadSpecs(present.map((folder) => path.resolve(serviceDir, folder)));
      } catch (error) {
        throw new ServerlessError(
          `the specs (${folders.join(', ')}) do not load, so the roles cannot name their resources:\n${error instanceof Error ? error.message : String(error)}`,
        );
      }
      try {
        return iamScopeOf(
          loaded.map((item) => item.spec),
          widening,
          stack,
        );
      } catch (error) {
        throw new ServerlessError(error instanceof Error ? error.message : String(error));
      }
    })();
  }
  return scopePromise;
}

class EksPilotLocal {
  constructor(serverless, options, { log } = {}) {
    this.serverless = serverless;
    this.options = options;
    this.log = log;
    // serverless-esbuild points servicePath at its build folder during invoke local: keep the real one.
    this.serviceDir = serverless.config.serviceDir || serverless.config.servicePath;
    this.configurationVariablesSources = {
      specs: {
        resolve: async ({ address, resolveVariable }) => {
          const scope = await iamScope(resolveVariable, this.serviceDir, serverless.classes.Error, log);
          if (!address || !Object.hasOwn(scope, address))
            throw new serverless.classes.Error(`\${specs:${address}}: no such list; the lists are ${Object.keys(scope).join(', ')}`);
          return { value: scope[address] };
        },
      },
    };
    this.hooks = {
      'before:package:cleanup': () => this.emptyWorkFolder(),
      'before:deploy:function:initialize': () => this.emptyWorkFolder(),
      // osls resolves the environment in its own before:invoke:local:loadEnvVars: act earlier.
      initialize: () => {
        if (this.command() !== 'invoke local') return;
        this.forgetStaged(this.options.function);
        this.shellStandsInForIntrinsics('invoke local');
      },
      // Runs after serverless-esbuild's hook of the same name (plugin order), once it has staged.
      'before:invoke:local:invoke': () => this.stageFunctionFiles(this.options.function),
      'before:offline:start': () => this.prepareOffline(),
      'before:offline:start:init': () => this.prepareOffline(),
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.dropEmptyStatements(),
    };
  }

  command() {
    return ((this.serverless.processedInput && this.serverless.processedInput.commands) || []).join(' ');
  }

  workDir() {
    const esbuild = (this.serverless.service.custom && this.serverless.service.custom.esbuild) || {};
    return path.join(this.serviceDir, esbuild.outputWorkFolder || WORK_FOLDER);
  }

  buildDir() {
    const esbuild = (this.serverless.service.custom && this.serverless.service.custom.esbuild) || {};
    return path.join(this.workDir(), esbuild.outputBuildFolder || BUILD_FOLDER);
  }

  emptyWorkFolder() {
    fs.rmSync(this.workDir(), { recursive: true, force: true });
  }

  /** The folders EKS_PILOT_SPECS names, as the handlers split it. */
  specFolders() {
    const setting = String((this.serverless.service.provider.environment || {}).EKS_PILOT_SPECS || '');
    return setting
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  }

  forgetStaged(functionAlias) {
    const buildDir = this.buildDir();
    const stale = [ONLY_PREFIX + functionAlias, ...this.specFolders()].map((item) => path.resolve(buildDir, item));
    for (const target of stale) {
      // Only ever below the build folder, never the folder itself (a specs setting of "." or "..").
      if (target.startsWith(buildDir + path.sep)) fs.rmSync(target, { recursive: true, force: true });
    }
  }

  stageFunctionFiles(functionAlias) {
    const staged = path.join(this.buildDir(), ONLY_PREFIX + functionAlias);
    if (fs.existsSync(staged)) fs.cpSync(staged, this.buildDir(), { recursive: true });
  }

  prepareOffline() {
    this.shellStandsInForIntrinsics('offline');
    // serverless-offline would run every schedule (provision's drift check, eip-manager's
    // reconcile) against whatever the shell's AWS settings reach: offline serves the HTTP route only.
    for (const fn of Object.values(this.serverless.service.functions || {})) {
      if (fn && Array.isArray(fn.events)) fn.events = fn.events.filter((event) => !(event && event.schedule));
    }
  }

  /** Leaves out each role statement whose Resource list is empty (the specs name nothing for it). */
  dropEmptyStatements() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources || {};
    for (const resource of Object.values(resources)) {
      if (!resource || resource.Type !== 'AWS::IAM::Role') continue;
      for (const policy of (resource.Properties && resource.Properties.Policies) || []) {
        const document = policy.PolicyDocument || {};
        if (!Array.isArray(document.Statement)) continue;
        document.Statement = document.Statement.filter((statement) => !(Array.isArray(statement.Resource) && statement.Resource.length === 0));
      }
      resource.Properties.Policies = (resource.Properties.Policies || []).filter(
        (policy) => !policy.PolicyDocument || !Array.isArray(policy.PolicyDocument.Statement) || policy.PolicyDocument.Statement.length > 0,
      );
    }
  }

  shellStandsInForIntrinsics(command) {
    const service = this.serverless.service;
    // invoke local runs one function; offline serves them all.
    const functions = command === 'invoke local' ? [service.functions[this.options.function]] : Object.values(service.functions || {});
    const environments = [service.provider.environment, ...functions.map((fn) => fn && fn.environment)];
    const unset = new Set();
    for (const environment of environments) {
      if (!environment) continue;
      for (const [name, value] of Object.entries(environment)) {
        if (value === null || typeof value !== 'object') continue;
        const fromShell = process.env[name];
        if (fromShell !== undefined && fromShell !== '') {
          environment[name] = fromShell;
        } else {
          // Unset rather than looked up in a stack (osls) or passed on as "[object Object]" (offline).
          Reflect.deleteProperty(environment, name);
          unset.add(`${name} (${JSON.stringify(value)})`);
        }
      }
    }
    if (unset.size > 0 && this.log) this.log.warning(`${command}: ${[...unset].join(', ')} left unset; set it in the shell to use one`);
  }
}

module.exports = EksPilotLocal;
