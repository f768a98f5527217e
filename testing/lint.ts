/**
 * Lints in-memory texts as if each were the file at its path, with the repository's own
 * eslint.config.mjs, through the ESLint Node API
 * (https://eslint.org/docs/latest/integrate/nodejs-api, `lintText(code, { filePath })`). It runs in
 * a child Node process: ESLint loads its config with a dynamic `import()`, which jest's module
 * sandbox refuses. One process lints every case, so the type-aware rules build the program once;
 * the paths should be real files, so those rules find them in the project.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.join(__dirname, '..');

export interface LintCase {
  /** Relative to the repository. */
  file: string;
  code: string;
}

export interface LintMessage {
  line: number;
  column: number;
  ruleId: string | null;
  message: string;
  fatal: boolean;
}

const LINT_CASES = `
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
const cases = JSON.parse(readFileSync(0, 'utf8'));
const eslint = new ESLint({ cwd: process.cwd(), overrideConfigFile: 'eslint.config.mjs' });
const results = [];
for (const { code, file } of cases) {
  const [result] = await eslint.lintText(code, { filePath: join(process.cwd(), file) });
  results.push(result.messages.map(({ line, column, ruleId, message, fatal }) => ({ line, column, ruleId, message, fatal: fatal === true })));
}
process.stdout.write(JSON.stringify(results));
`;

/**
 * Each case's messages, in the order of `cases`.
 *
 * @example
 * const [messages] = await lintTexts([{ file: 'functions/provision/run.ts', code: "import { z } from 'zod';\n" }]);
 */
export async function lintTexts(cases: readonly LintCase[]): Promise<LintMessage[][]> {
  const child = promisify(execFile)(process.execPath, ['--input-type=module', '-e', LINT_CASES], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  child.child.stdin?.end(JSON.stringify(cases));
  const { stdout } = await child;
  // Safe: the child writes one array of messages per case.
  return JSON.parse(stdout) as LintMessage[][];
}
