/**
 * The lint rule that keeps the environment in one module: eslint.config.mjs refuses `process.env`
 * (and its other spellings) in functions/, shared/ and cli/, except shared/config.ts; tests, the
 * bench and scripts may still set and read it. Linted with the repository's own config
 * (testing/lint.ts).
 */
import type { LintMessage } from '../../testing/lint';
import { lintTexts } from '../../testing/lint';

const RULE_MESSAGE = 'read settings through shared/config.ts, the one module that reads the environment';

const OFFENDING = {
  'a property read': "export const table = process.env.EKS_PILOT_LEASE_TABLE ?? 'eks-pilot-leases';\n",
  'a computed read': "export const table = process.env['EKS_PILOT_LEASE_TABLE'];\n",
  'a destructuring': 'const { env } = process;\nexport const table = env.EKS_PILOT_LEASE_TABLE;\n',
  'an import of env': "import { env } from 'node:process';\nexport const table = env.EKS_PILOT_LEASE_TABLE;\n",
  'a read through globalThis': 'export const table = globalThis.process.env.EKS_PILOT_LEASE_TABLE;\n',
};
const COVERED = ['functions/eip-manager/handler.ts', 'shared/adapters/aws/clients.ts', 'cli/deps.ts'];
const ALLOWED = ['shared/config.ts', 'tests/shared/config.test.ts', 'bench/run.ts', 'scripts/spec-docs.ts'];
const LINE_TWO = "// the table\nexport const table = process.env.EKS_PILOT_LEASE_TABLE ?? 'eks-pilot-leases';\n";

interface Case {
  code: string;
  file: string;
}

/** The environment rule's findings only, as `line:column rule`. */
function environmentFindings(findings: readonly LintMessage[] | undefined): string[] {
  return (findings ?? [])
    .filter((finding) => finding.message.includes(RULE_MESSAGE))
    .map((finding) => `${finding.line}:${finding.column} ${finding.ruleId ?? 'parse error'}`);
}

describe('the environment lint rule', () => {
  const cases: Case[] = [
    ...Object.values(OFFENDING).flatMap((code) => COVERED.map((file) => ({ code, file }))),
    { code: LINE_TWO, file: 'functions/provision/handler.ts' },
    ...ALLOWED.map((file) => ({ code: OFFENDING['a property read'], file })),
  ];
  const findingsOf = new Map<string, string[]>();

  beforeAll(async () => {
    // Act (once for every test: one ESLint, one type-aware program)
    const results = await lintTexts(cases);
    cases.forEach((lintCase, index) => findingsOf.set(`${lintCase.file}\n${lintCase.code}`, environmentFindings(results[index])));
  }, 120_000);

  it.each(Object.entries(OFFENDING))('refuses %s of process.env in a function, in shared/ and in the CLI', (_kind, code) => {
    // Prepare: the same text in each of the three places the rule covers.
    const files = COVERED;

    // Act
    const findings = files.map((file) => findingsOf.get(`${file}\n${code}`));

    // Assess
    for (const found of findings) expect(found).toHaveLength(1);
  });

  it('names the rule and the line and column of the read', () => {
    // Prepare
    const key = `functions/provision/handler.ts\n${LINE_TWO}`;

    // Act
    const findings = findingsOf.get(key);

    // Assess
    expect(findings).toEqual(['2:22 no-restricted-properties']);
  });

  it.each(ALLOWED)('lets %s read the environment', (file) => {
    // Prepare
    const key = `${file}\n${OFFENDING['a property read']}`;

    // Act
    const findings = findingsOf.get(key);

    // Assess
    expect(findings).toEqual([]);
  });
});
