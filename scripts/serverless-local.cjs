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
 */
const fs = require('node:fs');
const path = require('node:path');

/** serverless-esbuild's folder names (its dist/constants.js) and the options that move them. */
const WORK_FOLDER = '.esbuild';
const BUILD_FOLDER = '.build';
const ONLY_PREFIX = '__only_';

class EksPilotLocal {
  constructor(serverless, options, { log } = {}) {
    this.serverless = serverless;
    this.options = options;
    this.log = log;
    // serverless-esbuild points servicePath at its build folder during invoke local: keep the real one.
    this.serviceDir = serverless.config.serviceDir || serverless.config.servicePath;
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
    return setting.split(',').map((item) => item.trim()).filter(Boolean);
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
