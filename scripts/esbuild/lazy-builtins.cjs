'use strict';
/**
 * An esbuild plugin that loads Node's heavier modules (http, https, tls, zlib, ...) when the bundle
 * first uses them rather than when Lambda requires the handler.
 *
 * Why: Lambda starts Node with V8 flags (`--expose-gc --max-semi-space-size=… --max-old-space-size=…`),
 * and any V8 flag makes V8 refuse the code cache Node ships for its own modules, so each one is
 * compiled from its source at start. Measured here (Node 22.23, median of 25 fresh processes), a
 * process requiring `https` takes 68 ms under those flags against 34 ms for a bare one, and 58 ms
 * without them. The SDK's HTTP handler, middy and the checksum code import http, https, zlib,
 * stream/web and fs/promises at their top level, so every handler paid for all of them at require,
 * including the ones no invocation of it uses (zlib's `crc32` is only probed, middy's web streams
 * serve streamed responses, which no function here has).
 *
 * How: an import of one of {@link LAZY_BUILTINS} resolves to a small module whose exports are the
 * builtin's own export names, as the packaging Node lists them:
 * - a plain function (`request`, `crc32`, `readFile`) is a forwarder that requires the builtin on
 *   its first call, so code may take it (`const { request } = require('https')`) or probe it
 *   (`typeof zlib.crc32 === 'function'`) without loading anything;
 * - anything else (a class such as `Agent`, an object such as `constants`, a value) is a getter
 *   that requires the builtin on first read, and hands out the builtin's own value, so `new
 *   https.Agent()`, `instanceof` and `class extends` see the real class.
 * What a function forwarder is not: the builtin's own function object (`===` it is false), and it
 * has none of the function's own properties (a function that has some, such as `util.promisify.custom`,
 * is a getter instead). The export names are the packaging Node's: package with the runtime's Node
 * release, as the V8 code cache also needs (docs/performance.md).
 */

/** Node's modules that load lazily, as bare names (`node:https` and `https` are both caught). */
const LAZY_BUILTINS = ['child_process', 'fs/promises', 'http', 'http2', 'https', 'stream/web', 'tls', 'zlib'];

const NAMESPACE = 'eks-pilot-lazy-builtin';
/** The one shared helper the generated modules call. */
const RUNTIME = 'eks-pilot-lazy-builtin-runtime';

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * How a builtin's export is stood in for: `function` (a forwarder) or `value` (a getter).
 * Constructors (a capitalised name, a class, a prototype with methods or a parent) and functions
 * with properties of their own are values: only the builtin's own object behaves as they do.
 *
 * @param {string} name
 * @param {unknown} value
 * @returns {'function' | 'value'}
 * @example
 * exportKind('request', require('node:https').request); // 'function'
 * exportKind('Agent', require('node:https').Agent); // 'value'
 */
function exportKind(name, value) {
  if (typeof value !== 'function') return 'value';
  if (/^[A-Z]/.test(name) || /^class\b/.test(Function.prototype.toString.call(value))) return 'value';
  if (Reflect.ownKeys(value).some((key) => !['length', 'name', 'prototype'].includes(key))) return 'value';
  const prototype = value.prototype;
  if (prototype === undefined || prototype === null) return 'function';
  // A parent other than the realm's Object.prototype (whose own parent is null): a subclass.
  const parent = Object.getPrototypeOf(prototype);
  if (Reflect.ownKeys(prototype).some((key) => key !== 'constructor') || (parent !== null && Object.getPrototypeOf(parent) !== null)) return 'value';
  return 'function';
}

/**
 * The builtin's export names with their kinds, as this Node has them.
 *
 * @param {string} builtin a bare name from {@link LAZY_BUILTINS}
 * @returns {[string, 'function' | 'value'][]}
 * @example
 * exportsOf('https'); // [['Agent', 'value'], ['globalAgent', 'value'], ['createServer', 'function'], ...]
 */
function exportsOf(builtin) {
  const real = require(`node:${builtin}`);
  return Object.keys(real).map((name) => [name, exportKind(name, real[name])]);
}

/** The helper, bundled once: builds the stand-in exports of one builtin. */
const RUNTIME_SOURCE = `'use strict';
exports.lazyModule = function lazyModule(load, names) {
  let real;
  const get = () => (real === undefined ? (real = load()) : real);
  const lazy = {};
  for (const [name, kind] of names) {
    if (kind === 'function') {
      const forwarder = { [name]: function (...args) {
        const fn = get()[name];
        return new.target === undefined ? Reflect.apply(fn, real, args) : Reflect.construct(fn, args, new.target);
      } }[name];
      Object.defineProperty(lazy, name, { enumerable: true, value: forwarder });
    } else {
      Object.defineProperty(lazy, name, { enumerable: true, get: () => get()[name], set: (value) => { get()[name] = value; } });
    }
  }
  return lazy;
};
`;

/**
 * The generated module standing in for one builtin.
 *
 * @param {string} builtin a bare name from {@link LAZY_BUILTINS}
 * @returns {string}
 */
function standInSource(builtin) {
  return `'use strict';\nmodule.exports = require(${JSON.stringify(RUNTIME)}).lazyModule(() => require(${JSON.stringify(`node:${builtin}`)}), ${JSON.stringify(exportsOf(builtin))});\n`;
}

/**
 * The plugin, for serverless-esbuild's `custom.esbuild.plugins` file and the bench.
 *
 * @param {{ builtins?: readonly string[] }} [options] the bare names to load lazily (default {@link LAZY_BUILTINS})
 * @returns {import('esbuild').Plugin}
 * @example
 * await build({ entryPoints: ['functions/provision/handler.ts'], bundle: true, platform: 'node', plugins: [lazyBuiltinsPlugin()] });
 */
function lazyBuiltinsPlugin(options = {}) {
  const builtins = options.builtins ?? LAZY_BUILTINS;
  const filter = new RegExp(`^(node:)?(${builtins.map(escape).join('|')})$`);
  return {
    name: 'eks-pilot-lazy-builtins',
    setup(build) {
      build.onResolve({ filter }, (args) => {
        const builtin = args.path.replace(/^node:/, '');
        // The stand-in's own require of the builtin is Node's.
        if (args.namespace === NAMESPACE) return { path: `node:${builtin}`, external: true };
        return { path: builtin, namespace: NAMESPACE };
      });
      build.onResolve({ filter: new RegExp(`^${escape(RUNTIME)}$`) }, () => ({ path: RUNTIME, namespace: NAMESPACE }));
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        contents: args.path === RUNTIME ? RUNTIME_SOURCE : standInSource(args.path),
        loader: 'js',
      }));
    },
  };
}

module.exports = { lazyBuiltinsPlugin, exportKind, exportsOf, LAZY_BUILTINS };
