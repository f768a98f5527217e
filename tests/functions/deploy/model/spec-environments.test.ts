import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseSpec } from '../../../../shared/model/cluster-spec/load';

const STARTER = readFileSync(path.join(__dirname, '../../../../examples/starter/cluster.yaml'), 'utf8');
const WORKLOAD = [
  'workloads:',
  '  - name: web',
  '    manifests: manifests',
  '    environment: prod',
  '    images:',
  '      - repository: ghcr.io/acme/web',
  '        tags: [{ semver: ">=1.0.0" }]',
];

function withEnvironments(lines: readonly string[]): string {
  return `${STARTER}\n${[...WORKLOAD, 'environments:', ...lines].join('\n')}\n`;
}

describe('the environments section of the spec', () => {
  it('reads an approval, a weekly window in a time zone and a date range, with defaults', () => {
    // Prepare
    const text = withEnvironments([
      '  - name: prod',
      '    approval: required',
      '    freeze:',
      '      - { days: [fri, sat], from: "16:00", to: "23:59", timeZone: Europe/London }',
      '      - { from: 2026-12-20, to: 2027-01-02 }',
    ]);

    // Act
    const result = parseSpec(text, 'cluster.yaml');

    // Assess
    expect(result.ok && result.spec.environments).toEqual([
      {
        name: 'prod',
        approval: 'required',
        freeze: [
          { days: ['fri', 'sat'], from: '16:00', to: '23:59', timeZone: 'Europe/London' },
          { from: '2026-12-20', to: '2027-01-02', timeZone: 'UTC' },
        ],
      },
    ]);
  });

  it('names every problem with its file, line, column and field', () => {
    // Prepare
    const text = withEnvironments([
      '  - name: prod',
      '    freeze:',
      '      - { days: [fri], from: "16:00", to: "24:00", timeZone: Europe/Londn }',
      '      - { from: 2027-01-02, to: 2026-12-20 }',
      '      - { from: 2026-02-30, to: 2026-03-01, timeZone: "+01:00" }',
      '      - { days: [friday], from: "4pm", to: "23:59" }',
      '  - name: prd',
    ]);

    // Act
    const result = parseSpec(text, 'cluster.yaml');

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const lines = text.split('\n');
    const lineOf = (fragment: string): number => lines.findIndex((line) => line.includes(fragment)) + 1;
    const columnOf = (fragment: string, on: string): number => (lines[lineOf(on) - 1] ?? '').indexOf(fragment) + 1;
    const messages = result.issues.map((issue) => `${issue.file}:${issue.line}:${issue.column} ${issue.path}: ${issue.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        `cluster.yaml:${lineOf('Europe/Londn')}:${columnOf('"24:00"', 'Europe/Londn')} environments[0].freeze[0].to: expected a time HH:MM (00:00 to 23:59) in a weekly window, got "24:00"`,
        `cluster.yaml:${lineOf('Europe/Londn')}:${columnOf('Europe/Londn', 'Europe/Londn')} environments[0].freeze[0].timeZone: unknown IANA time zone "Europe/Londn" (did you mean Europe/London?)`,
        `cluster.yaml:${lineOf('from: 2027-01-02')}:${columnOf('2026-12-20', 'from: 2027-01-02')} environments[0].freeze[1].to: to (2026-12-20) is before from (2027-01-02)`,
        expect.stringMatching(/environments\[0\]\.freeze\[2\]\.from: 2026-02-30 is not a calendar date \(a window without days is a date range\)$/),
        expect.stringMatching(/environments\[0\]\.freeze\[2\]\.timeZone: unknown IANA time zone "\+01:00"/),
        expect.stringMatching(/environments\[0\]\.freeze\[3\]\.days\[0\]: expected one of "mon"\|"tue"\|"wed"\|"thu"\|"fri"\|"sat"\|"sun"$/),
        expect.stringMatching(/environments\[0\]\.freeze\[3\]\.from: expected a time HH:MM \(00:00 to 23:59\) in a weekly window, got "4pm"$/),
        `cluster.yaml:${lineOf('name: prd')}:${columnOf('prd', 'name: prd')} environments[1].name: no workload of this spec sets environment "prd" (did you mean prod?): the gate would hold nothing`,
      ]),
    );
  });

  it('refuses an environment named twice', () => {
    // Prepare
    const text = withEnvironments(['  - name: prod', '    approval: required', '  - name: prod']);

    // Act
    const result = parseSpec(text, 'cluster.yaml');

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
      'environments[1].name: duplicate environment "prod" (first at environments[0])',
    ]);
  });
});
