/**
 * The syntax rules that keep zod lean in the function bundles (eslint.config.mjs): `import { z }`
 * is refused everywhere (esbuild cannot tree-shake it), and a `z.core` value at run time is refused
 * in functions/ and shared/ while `z.core` types pass; there, too, re2js and semver load on first
 * use (a static value import of either is refused, a type import passes). Each rule is shown to fail where it holds
 * and to pass where it does not (testing/lint.ts lints the texts with the repository's config).
 */
import type { LintMessage } from '../../testing/lint';
import { lintTexts } from '../../testing/lint';

const NAMED_IMPORT = "import { z } from 'zod';\nexport const name = z.string();\n";
const CORE_VALUE = "import * as z from 'zod/mini';\nexport const failure = new z.core.$ZodError([]);\n";
const CORE_CALL = "import * as z from 'zod/mini';\nexport const settings = z.core.config();\n";
const CORE_TYPE = "import type * as z from 'zod/mini';\nexport type Schema = z.core.$ZodType;\n";

const ENGINE_IMPORTS = ["import semver from 'semver';\nexport const valid = semver.valid;\n", "import { RE2JS } from 're2js';\nexport const engine = RE2JS;\n"];
const ENGINE_TYPES = "import type * as Semver from 'semver';\nimport type { RE2JS } from 're2js';\nexport type T = [typeof Semver, RE2JS];\n";

const BUNDLED = ['functions/provision/run.ts', 'functions/deploy/worker/handler.ts', 'shared/reconcile/fleet.ts', 'shared/config.ts'];
const CASES = [
  ...[...BUNDLED, 'cli/deps.ts', 'bench/run.ts'].map((file) => ({ file, code: NAMED_IMPORT })),
  ...BUNDLED.flatMap((file) => [CORE_VALUE, CORE_CALL, CORE_TYPE].map((code) => ({ file, code }))),
  { file: 'cli/deps.ts', code: CORE_VALUE },
  ...BUNDLED.flatMap((file) => [...ENGINE_IMPORTS, ENGINE_TYPES].map((code) => ({ file, code }))),
  ...ENGINE_IMPORTS.map((code) => ({ file: 'bench/run.ts', code })),
];

const results = new Map<string, LintMessage[]>();
const syntaxMessages = (file: string, code: string): string[] =>
  (results.get(`${file}\n${code}`) ?? [{ line: 0, column: 0, ruleId: null, message: `${file} was not linted`, fatal: true }])
    .filter((message) => message.ruleId === 'no-restricted-syntax' || message.fatal)
    .map((message) => message.message);

beforeAll(async () => {
  // Act (once: one ESLint, one type-aware program)
  const messages = await lintTexts(CASES);
  CASES.forEach(({ file, code }, index) => results.set(`${file}\n${code}`, messages[index] ?? []));
}, 120_000);

it.each([...BUNDLED, 'cli/deps.ts', 'bench/run.ts'])('refuses `import { z } from zod` in %s', (file) => {
  expect(syntaxMessages(file, NAMED_IMPORT)).toEqual([expect.stringContaining("import * as z from 'zod': the form esbuild tree-shakes")]);
});

it.each(BUNDLED)('refuses a z.core value at run time in %s, a constructor or a call', (file) => {
  for (const code of [CORE_VALUE, CORE_CALL]) expect(syntaxMessages(file, code)).toEqual([expect.stringContaining('lean bundles: a z.core value at run time')]);
});

it.each(BUNDLED)('lets %s name z.core types', (file) => {
  expect(syntaxMessages(file, CORE_TYPE)).toEqual([]);
});

it('lets the CLI, which is no function bundle, use a z.core value', () => {
  expect(syntaxMessages('cli/deps.ts', CORE_VALUE)).toEqual([]);
});

it.each(BUNDLED)('refuses re2js and semver imported at start in %s', (file) => {
  for (const code of ENGINE_IMPORTS) expect(syntaxMessages(file, code)).toEqual([expect.stringContaining('lean start: load re2js and semver on first use')]);
});

it.each(BUNDLED)("lets %s import the tag engines' types", (file) => {
  expect(syntaxMessages(file, ENGINE_TYPES)).toEqual([]);
});

it('lets the bench, which is no function bundle, import the tag engines', () => {
  for (const code of ENGINE_IMPORTS) expect(syntaxMessages('bench/run.ts', code)).toEqual([]);
});
