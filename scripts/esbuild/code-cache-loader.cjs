'use strict';
/**
 * The handler file Lambda requires, in every packaged function (scripts/esbuild/code-cache.cjs
 * writes it from this file): it compiles the bundle beside it (`handler.bundle.js`) with the V8
 * code cache made when the function was packaged (`handler.bundle.js.v8cache`), so V8 does not
 * parse and compile the bundle's code again on every cold start, and runs it as Node runs a
 * CommonJS module. The cache is only an optimisation: when it is missing, not made from these
 * bytes, made by another Node release than this one, or refused by V8 (other V8 flags than the
 * packaging's), the bundle is compiled without it (and with source maps on, Node requires it
 * plainly so that its frames map to the sources), and one JSON line on stderr says why (paths and versions only).
 *
 * The bench and the tests load this file as a module; the packaged copy ends with a call of
 * {@link loadBundle} in place of the `module.exports` line at the bottom.
 */
const { isAscii } = require('node:buffer');
const { readFileSync } = require('node:fs');
const { createHash } = require('node:crypto');
const path = require('node:path');
const vm = require('node:vm');

// Node's CommonJS wrapper, its first line apart: `lineOffset: -1` keeps the bundle's lines and columns in stack traces.
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {\n';
const WRAPPER_TAIL = '\n})';

/**
 * Compiles a bundle's source as Node compiles a CommonJS module, with `cachedData` when given
 * (V8 then sets `script.cachedDataRejected`). `import()` inside it loads as it would in a module.
 *
 * @param {string} file the bundle's path, as stack traces name it
 * @param {string} source
 * @param {Buffer} [cachedData]
 * @returns {import('node:vm').Script}
 * @example
 * const script = compileBundle('/var/task/functions/provision/handler.bundle.js', source, readFileSync(cacheFile));
 */
function compileBundle(file, source, cachedData) {
  return new vm.Script(WRAPPER_HEAD + source + WRAPPER_TAIL, {
    filename: file,
    lineOffset: -1,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
}

/**
 * Runs a compiled bundle's top level with `target` as its `module` and `load` as its `require`.
 *
 * @param {import('node:vm').Script} script from {@link compileBundle}
 * @param {string} file the bundle's path (`__filename`)
 * @param {{ exports: unknown }} target
 * @param {NodeJS.Require} load
 * @example
 * runBundle(script, file, module, require); // module.exports is the bundle's exports
 */
function runBundle(script, file, target, load) {
  script.runInThisContext().call(target.exports, target.exports, load, target, file, path.dirname(file));
}

/**
 * The SHA-256 (hex) of a bundle's bytes and its cache's: V8 checks a cache against the source's
 * length only, and deserialising damaged data can crash the process, so the loader hands V8 only
 * the cache made from exactly these bytes.
 *
 * @param {Buffer} bundle
 * @param {Buffer} cache
 * @returns {string}
 * @example
 * digestOf(readFileSync(bundleFile), readFileSync(cacheFile)); // '3f1c…'
 */
function digestOf(bundle, cache) {
  return createHash('sha256').update(bundle).update(cache).digest('hex');
}

/**
 * A bundle's bytes as its source text. esbuild writes ASCII (it escapes every other character), and
 * ASCII bytes read as latin1 are the same string, copied rather than decoded as UTF-8 (1.7 ms
 * against 3.6 ms for a 975 kB bundle here); anything else is decoded as UTF-8.
 *
 * @param {Buffer} bundle
 * @returns {string}
 * @example
 * sourceOf(Buffer.from('exports.x = "\\u2026";')); // 'exports.x = "\\u2026";' (latin1, the same string)
 */
function sourceOf(bundle) {
  return bundle.toString(isAscii(bundle) ? 'latin1' : 'utf8');
}

/**
 * Loads a bundle into `target` with its code cache, and answers why the cache was not used
 * (undefined when it was), after writing that reason to stderr as one JSON line.
 *
 * @param {{ exports: unknown }} target the handler file's `module`
 * @param {NodeJS.Require} load the handler file's `require`
 * @param {{ bundle: string, cache?: string, digest?: string, node?: string }} files the bundle, its cache, their {@link digestOf}
 *   and the `process.version` of the Node that made the cache
 * @returns {string | undefined}
 * @example
 * loadBundle(module, require, { bundle: `${__dirname}/handler.bundle.js`, cache: `${__dirname}/handler.bundle.js.v8cache`, digest: '3f1c…' });
 */
function loadBundle(target, load, files) {
  if (process.sourceMapsEnabled === true) {
    // Node maps the frames of what it requires, not of a vm.Script: maps win over the cache.
    const reason = 'source maps are on (--enable-source-maps): the bundle was required without the cache, so its frames map to the sources';
    process.stderr.write(`${JSON.stringify({ level: 'INFO', message: 'V8 code cache not used', reason, bundle: files.bundle, node: process.version })}\n`);
    target.exports = load(files.bundle);
    return reason;
  }
  const bundle = readFileSync(files.bundle);
  let cachedData;
  let reason;
  // Packaged without a cache (by another Node major than the runtime's): nothing to read, nothing to say.
  if (files.cache !== undefined && files.node !== undefined && files.node !== process.version) {
    // V8 refuses a cache from another Node release (22.14.0 refused 22.23.3's): not worth reading.
    reason = `the cache was made by Node ${files.node}; package the function with this runtime's Node to use it`;
  } else if (files.cache !== undefined) {
    try {
      cachedData = readFileSync(files.cache);
    } catch (error) {
      reason = `the cache could not be read (${error && error.code ? error.code : 'error'})`;
    }
  }
  if (cachedData !== undefined && digestOf(bundle, cachedData) !== files.digest) {
    cachedData = undefined;
    reason = 'the cache was not made from this bundle (SHA-256 differs)';
  }
  const script = compileBundle(files.bundle, sourceOf(bundle), cachedData);
  if (cachedData !== undefined && script.cachedDataRejected === true) {
    reason = 'V8 refused the cache (another Node.js or V8 version, or other V8 flags than at packaging)';
  }
  if (reason !== undefined) {
    process.stderr.write(
      `${JSON.stringify({ level: 'WARN', message: 'V8 code cache not used; the bundle was compiled without it', reason, bundle: files.bundle, node: process.version })}\n`,
    );
  }
  runBundle(script, files.bundle, target, load);
  return reason;
}

module.exports = { WRAPPER_HEAD, WRAPPER_TAIL, compileBundle, runBundle, digestOf, sourceOf, loadBundle }; // eks-pilot: handler entry
