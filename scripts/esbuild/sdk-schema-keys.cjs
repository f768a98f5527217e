'use strict';
/**
 * An esbuild plugin that lets esbuild tree-shake the AWS SDK's generated schemas again.
 *
 * Since @aws-sdk 3.930 each client's `dist-es/schemas/schemas_0.js` writes trait objects with
 * computed keys over its string table (`const _xN = "xmlName"; ... { [_xN]: _BDM }`). esbuild treats
 * a computed key as a possible side effect (the key's `toString` could run), so it keeps every
 * statement holding one: one EC2 command brings all of EC2's schemas, 561 kB minified
 * (aws/aws-sdk-js-v3#7607). The generator's fix writes the keys as literals
 * (smithy-lang/smithy-typescript#1889); until a release carries it, this plugin does the same at
 * build time: `[_xN]:` becomes `"xmlName":` wherever `_xN` is one of the file's own top-level
 * string constants. Nothing else changes, so the objects are the same at run time.
 */
const { readFile } = require('node:fs/promises');

/** The SDK's generated schema modules, in a client's or nested client's ES build. */
const SCHEMA_FILE = /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](?:.+[\\/])?schemas[\\/]schemas_\d+\.js$/;

/** A top-level `const _name = "plain string";` line of the generated string table. */
const STRING_CONSTANT = /^const (_\w+) = ("[^"\\\r\n]*");$/gm;

/** A computed object key naming one identifier: `[_name]:`. */
const COMPUTED_KEY = /\[(_\w+)\]:/g;

/**
 * Rewrites the computed keys of one generated schema module as string literals.
 *
 * @param {string} source the module's text
 * @returns {{ contents: string, replaced: number }} the text with `[_k]:` read as `"value":`, and how many keys were rewritten
 * @example
 * inlineSchemaTraitKeys('const _xN = "xmlName";\nexport var A$ = [3, n0, _A, { [_xN]: _B }];');
 * // { contents: 'const _xN = "xmlName";\nexport var A$ = [3, n0, _A, { "xmlName": _B }];', replaced: 1 }
 */
function inlineSchemaTraitKeys(source) {
  const constants = new Map();
  for (const match of source.matchAll(STRING_CONSTANT)) {
    // A name declared twice is not a plain table entry: leave its keys computed.
    if (constants.has(match[1])) constants.set(match[1], undefined);
    else constants.set(match[1], match[2]);
  }
  let replaced = 0;
  const contents = source.replace(COMPUTED_KEY, (whole, name) => {
    const literal = constants.get(name);
    if (literal === undefined) return whole;
    replaced += 1;
    return `${literal}:`;
  });
  return { contents, replaced };
}

/**
 * The plugin, for serverless-esbuild's `custom.esbuild.plugins` file and the bench.
 *
 * @returns {import('esbuild').Plugin}
 * @example
 * await build({ entryPoints: ['functions/eip-manager/handler.ts'], bundle: true, plugins: [sdkSchemaKeysPlugin()] });
 */
function sdkSchemaKeysPlugin() {
  return {
    name: 'eks-pilot-sdk-schema-keys',
    setup(build) {
      build.onLoad({ filter: SCHEMA_FILE }, async (args) => ({ contents: inlineSchemaTraitKeys(await readFile(args.path, 'utf8')).contents, loader: 'js' }));
    },
  };
}

module.exports = { inlineSchemaTraitKeys, sdkSchemaKeysPlugin, SCHEMA_FILE };
