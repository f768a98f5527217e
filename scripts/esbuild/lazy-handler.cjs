'use strict';
/**
 * An esbuild plugin that makes a function's bundle cheap to `require`: the handler module and
 * everything it imports (zod schemas, the SDK clients, Powertools, middy) are evaluated on the
 * first invocation instead of when Lambda loads the file.
 *
 * Each function entry (`functions/**\/handler.ts`) is built twice:
 * 1. the real handler, bundled alone as CommonJS with the build's own options and plugins (so
 *    tree-shaking, minifying, `keepNames` and the other plugins work as before). The outer build
 *    minifies it again, and its `keepNames` wraps names the inner build already kept: about 10 kB
 *    more per bundle. The inner build must keep names itself: the outer one sees names esbuild
 *    renamed apart (`TimeoutError2`), and error classes are told apart by name;
 * 2. the entry esbuild is asked for, answered by a stub that exports `handler` and `require`s
 *    bundle 1 on its first call. esbuild wraps a CommonJS module in a function it runs on the
 *    first `require`, so at load V8 only pre-parses that code and runs none of it.
 *
 * An `import()` of the handler would defer it too, but esbuild does not tree-shake the ES modules
 * it wraps for a dynamic import: eip-manager grew from 0.81 MB to 1.94 MB (all of client-ec2).
 */
const path = require('node:path');

const NAME = 'eks-pilot-lazy-handler';
/** The namespace of the real handler's bundle inside the stub. */
const INNER = `${NAME}-inner`;
/** The function entries it applies to. */
const HANDLER_ENTRY = /[\\/]functions[\\/].+[\\/]handler\.ts$/;

/** The build options that say where the outer build writes; the inner build writes nowhere. */
const WHERE_IT_WRITES = new Set(['outdir', 'outfile', 'outbase', 'entryNames', 'splitting', 'metafile', 'write']);

/** Per real handler file, the metafile of its inner build (for the bench's package report). */
const innerMetafiles = new Map();

/**
 * The stub that stands for a handler entry: loads the real handler once, on the first invocation.
 *
 * @param {string} file the real handler's absolute path
 * @returns {string} an ES module exporting `handler`
 * @example
 * lazyHandlerStub('/repo/functions/provision/handler.ts'); // 'let loaded; ... export async function handler(event, context) {...}'
 */
function lazyHandlerStub(file) {
  const specifier = JSON.stringify(`${INNER}:${file}`);
  return [
    '// Loads the real handler on the first invocation (scripts/esbuild/lazy-handler.cjs).',
    'let loaded;',
    'export async function handler(event, context) {',
    `  loaded ??= require(${specifier});`,
    "  if (typeof loaded.handler !== 'function') throw new Error('the handler module did not load (see the error of the first invocation)');",
    '  return loaded.handler(event, context);',
    '}',
    '',
  ].join('\n');
}

/**
 * The plugin, for serverless-esbuild's `custom.esbuild.plugins` file and the bench.
 *
 * @param {{ entries?: RegExp }} [options] which entry files to defer (default: `functions/**\/handler.ts`)
 * @returns {import('esbuild').Plugin}
 * @example
 * await build({ entryPoints: ['functions/provision/handler.ts'], bundle: true, format: 'cjs', plugins: [lazyHandlerPlugin()] });
 */
function lazyHandlerPlugin(options = {}) {
  const entries = options.entries ?? HANDLER_ENTRY;
  return {
    name: NAME,
    setup(build) {
      const initial = build.initialOptions;
      const stubbed = new Set();
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind !== 'entry-point') return undefined;
        const file = path.resolve(args.resolveDir || initial.absWorkingDir || process.cwd(), args.path);
        if (entries.test(file)) stubbed.add(file);
        return undefined;
      });
      build.onLoad({ filter: /\.ts$/, namespace: 'file' }, (args) => {
        if (args.namespace !== 'file' || !stubbed.has(args.path)) return undefined;
        return { contents: lazyHandlerStub(args.path), loader: 'js', resolveDir: path.dirname(args.path) };
      });
      build.onResolve({ filter: new RegExp(`^${INNER}:`) }, (args) => ({ path: args.path.slice(INNER.length + 1), namespace: INNER }));
      build.onLoad({ filter: /.*/, namespace: INNER }, async (args) => {
        // The build's own options but where it writes: the inner output goes into the stub.
        const inner = Object.fromEntries(Object.entries(initial).filter(([key]) => !WHERE_IT_WRITES.has(key)));
        const result = await build.esbuild.build({
          ...inner,
          entryPoints: [args.path],
          bundle: true,
          format: 'cjs',
          write: false,
          metafile: true,
          plugins: (initial.plugins ?? []).filter((plugin) => plugin.name !== NAME),
        });
        innerMetafiles.set(args.path, result.metafile);
        const [output] = result.outputFiles;
        return {
          contents: output.text,
          loader: 'js',
          resolveDir: path.dirname(args.path),
          watchFiles: Object.keys(result.metafile.inputs).map((input) => path.resolve(initial.absWorkingDir || process.cwd(), input)),
          warnings: result.warnings,
        };
      });
    },
  };
}

/**
 * The metafile of a real handler's inner build, once a build with the plugin has bundled it.
 *
 * @param {string} file the real handler's absolute path
 * @returns {import('esbuild').Metafile | undefined}
 * @example
 * innerMetafile('/repo/functions/provision/handler.ts')?.inputs;
 */
function innerMetafile(file) {
  return innerMetafiles.get(file);
}

module.exports = { HANDLER_ENTRY, INNER, innerMetafile, lazyHandlerPlugin, lazyHandlerStub };
