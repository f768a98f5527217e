import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// ---- Boundaries --------------------------------------------------------------------------------
// The import rules the layout keeps (CONTRIBUTING.md, "The rules"), as `no-restricted-imports`
// patterns on the specifier. Flat config replaces, not merges, a rule's options when two objects
// match a file, so each file group below gets every pattern that applies to it, built once here.
// tests/lint/boundaries.test.ts lints an offending file for each message.

const FUNCTIONS = ['provision', 'eip-manager', 'scale-watch', 'deploy'];

/** Another function's folder, from anywhere inside `name`'s. */
const otherFunctions = (name) => ({
  regex: `^(\\.\\./)+(functions/)?(${FUNCTIONS.filter((other) => other !== name).join('|')})(/|$)`,
  message: `boundaries: a function never imports another function (${name} is one folder; move what both need to shared/).`,
});
/** Inside deploy: the webhook and the worker are two Lambda functions sharing only model/. */
const deploySide = (from, to) => ({
  regex: `^(\\.\\./)+((functions/)?deploy/)?${to}(/|$)`,
  message: `boundaries: deploy's ${from}/ never imports ${to}/ (what both need lives in functions/deploy/model/).`,
});
const noAdapters = {
  regex: '^(\\.\\./)+(shared/)?adapters(/|$)',
  message: 'boundaries: only handlers (functions/**/handler.ts), the CLI and adapters import shared/adapters/; depend on a port in shared/ports/ instead.',
};
const noSdk = {
  group: ['@aws-sdk/*', '@smithy/*'],
  allowTypeImports: true,
  message:
    'boundaries: only adapters (shared/adapters/), handlers and the CLI import an AWS SDK or Smithy value; elsewhere use `import type` for its shapes, or a port.',
};
/** The zod spec-schema modules: the bundles answer pre-validated specs (cluster-spec/prevalidated.ts) and carry none of them. */
const noSpecSchema = {
  regex: '(^|/)cluster-spec/(schema|workloads|platform|eip-pools|scaling|environments|validate)$',
  allowTypeImports: true,
  message:
    'lean bundles: a value from a spec-schema module brings the whole zod spec schema into the function bundles; import it from cluster-spec/runtime.ts, or use `import type`.',
};
const noTests = {
  regex: '^(\\.\\./)+tests(/|$)',
  message: 'boundaries: the bench and testing/ never import tests/; a double or builder both need lives in testing/.',
};
// Syntax rules (no-restricted-syntax). A later block's list replaces an earlier one's, so each block
// below names every rule that holds for its files.
/** `import { z }` keeps esbuild from tree-shaking zod: every locale ships (~370 kB per bundle). */
const ZOD_IMPORT = {
  selector: "ImportDeclaration[source.value='zod'][importKind!='type'] > ImportSpecifier[imported.name='z'][importKind!='type']",
  message: "import * as z from 'zod': the form esbuild tree-shakes ({ z } brings every locale into the bundle)",
};
/**
 * A value under `z.core` at run time (`z.core.config(...)`, `new z.core.$ZodError`) brings zod's
 * core with every check into the bundle (one such use cost 400 kB); types (`z.core.$ZodType`, a
 * TSQualifiedName, not a MemberExpression) cost nothing.
 */
const Z_CORE_VALUE = {
  selector: "MemberExpression[object.type='Identifier'][object.name='z'][property.name='core']",
  message: 'lean bundles: a z.core value at run time brings all of zod core into the bundle; use zod/mini functions, or z.core only in types',
};
/**
 * deploy's tag engines build tables and regexes at their top level (re2js its Unicode tables,
 * semver some forty regexes): a static import runs that in every cold start, a rule or not.
 */
const FIRST_USE = {
  selector: "ImportDeclaration[source.value=/^(re2js|semver)(\\/|$)/][importKind!='type']",
  message:
    "lean start: load re2js and semver on first use, onFirstUse(() => require('semver') as typeof Semver) (shared/on-first-use.ts); import only their types",
};
const ENV_MESSAGE = 'read settings through shared/config.ts, the one module that reads the environment';
const ENV_SYNTAX = [
  { selector: "ImportDeclaration[source.value=/^(node:)?process$/] ImportSpecifier[imported.name='env']", message: ENV_MESSAGE },
  { selector: "MemberExpression[object.type='MemberExpression'][object.property.name='process'][property.name='env']", message: ENV_MESSAGE },
];
const restrict = (files, patterns, ignores = []) => ({ files, ignores, rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] } });

const boundaries = [
  ...FUNCTIONS.filter((name) => name !== 'deploy').flatMap((name) => [
    restrict([`functions/${name}/**/handler.ts`], [otherFunctions(name), noSpecSchema]),
    restrict([`functions/${name}/**/*.ts`], [otherFunctions(name), noAdapters, noSdk, noSpecSchema], ['functions/*/**/handler.ts']),
  ]),
  ...[
    ['webhook', 'worker'],
    ['worker', 'webhook'],
  ].flatMap(([side, other]) => [
    restrict([`functions/deploy/${side}/handler.ts`], [otherFunctions('deploy'), deploySide(side, other), noSpecSchema]),
    restrict(
      [`functions/deploy/${side}/**/*.ts`],
      [otherFunctions('deploy'), deploySide(side, other), noAdapters, noSdk, noSpecSchema],
      ['functions/*/**/handler.ts'],
    ),
  ]),
  restrict(['functions/deploy/model/**/*.ts'], [otherFunctions('deploy'), noAdapters, noSdk, noSpecSchema]),
  // The error classes read the SDK's own retry classifier (@smithy/core/retry) to tell a transient failure.
  restrict(['shared/**/*.ts'], [noAdapters, noSdk, noSpecSchema], ['shared/adapters/**', 'shared/errors.ts', 'shared/model/cluster-spec/**']),
  restrict(['shared/model/cluster-spec/**/*.ts'], [noAdapters, noSdk]),
  restrict(['shared/adapters/**/*.ts'], [noSpecSchema]),
  restrict(['shared/errors.ts'], [noAdapters]),
  restrict(['bench/**/*.ts', 'testing/**/*.ts'], [noTests]),
];

export default tseslint.config(
  { ignores: ['node_modules/', '.serverless/', '.esbuild/', 'coverage/', 'dist/', '.e2e/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Prettier (printWidth 160, `npm run format:check` in CI) lays the code out; it never breaks a string, so only they may run past.
      'max-len': ['error', { code: 160, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true }],
      'no-restricted-syntax': ['error', ZOD_IMPORT],
    },
  },
  // Only the config module reads the environment; everything else in the product gets typed
  // settings from it (tests, the bench and scripts may still set and read process.env).
  {
    files: ['functions/**', 'shared/**', 'cli/**'],
    ignores: ['shared/config.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'read settings through shared/config.ts, the one module that reads the environment' },
      ],
      'no-restricted-syntax': ['error', ZOD_IMPORT, ...ENV_SYNTAX],
    },
  },
  // The functions' code and what they share: a z.core value at run time, and the tag engines loaded at start, as well.
  {
    files: ['functions/**', 'shared/**'],
    ignores: ['shared/config.ts'],
    rules: { 'no-restricted-syntax': ['error', ZOD_IMPORT, ...ENV_SYNTAX, Z_CORE_VALUE, FIRST_USE] },
  },
  { files: ['shared/config.ts'], rules: { 'no-restricted-syntax': ['error', ZOD_IMPORT, Z_CORE_VALUE, FIRST_USE] } },
  ...boundaries,
  {
    files: ['**/*.cjs', '**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
);
