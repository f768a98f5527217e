import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseSpec } from '../../../../shared/model/cluster-spec/load';

const STARTER = readFileSync(path.join(__dirname, '../../../../examples/starter/cluster.yaml'), 'utf8');

function withWorkloads(yaml: string): string {
  return `${STARTER}\nworkloads:\n${yaml}`;
}

describe('the workloads section of the spec', () => {
  it('applies defaults to a workload', () => {
    // Prepare
    const text = withWorkloads(
      `  - name: web\n    manifests: manifests\n    images:\n      - repository: ghcr.io/acme/web\n        tags: [{ semver: ">=1.0.0" }]\n`,
    );

    // Act
    const result = parseSpec(text, 'cluster.yaml');

    // Assess
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.spec.workloads[0]).toEqual({
      name: 'web',
      manifests: 'manifests',
      images: [{ repository: 'ghcr.io/acme/web', tags: [{ semver: '>=1.0.0' }] }],
      prune: false,
      onDrift: 'report',
      rollout: { timeoutSeconds: 600, rollback: true },
      recreateJobs: false,
      literalSecrets: false,
      secrets: [],
    });
  });

  it('reads a github deployment target and names a bad one with its line and path', () => {
    // Prepare
    const workload = (github: string): string =>
      withWorkloads(
        `  - name: web\n    manifests: manifests\n    images:\n      - repository: ghcr.io/acme/web\n        tags: [{ semver: ">=1.0.0" }]\n    github:\n${github}`,
      );
    const good = workload('      repository: acme/web\n      environment: production\n      environmentUrl: https://web.acme.example\n');
    const bad = workload('      repository: https://github.com/acme/web\n      environmentUrl: web.acme.example\n      branch: main\n');

    // Act
    const read = parseSpec(good, 'cluster.yaml');
    const refused = parseSpec(bad, 'cluster.yaml');

    // Assess
    expect(read.ok && read.spec.workloads[0]?.github).toEqual({
      repository: 'acme/web',
      environment: 'production',
      environmentUrl: 'https://web.acme.example',
    });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    const lines = bad.split('\n');
    expect(refused.issues.map((issue) => `${issue.line} ${issue.path}: ${issue.message}`)).toEqual(
      expect.arrayContaining([
        `${lines.findIndex((line) => line.includes('repository: https://')) + 1} workloads[0].github.repository: expected a GitHub repository as owner/name`,
        `${lines.findIndex((line) => line.includes('environmentUrl:')) + 1} workloads[0].github.environmentUrl: expected an http(s) URL`,
      ]),
    );
    expect(refused.issues.some((issue) => issue.path.startsWith('workloads[0].github') && issue.message.includes('branch'))).toBe(true);
  });

  it('defaults to no workloads', () => {
    // Prepare
    const text = STARTER;

    // Act
    const result = parseSpec(text, 'cluster.yaml');

    // Assess
    expect(result.ok && result.spec.workloads).toEqual([]);
  });

  it('names every problem of a bad section with its line and path', () => {
    // Prepare
    const text = withWorkloads(
      [
        '  - name: web',
        '    manifests: manifests',
        '    images:',
        '      - repository: ghcr.io/Acme/Web:v1',
        '        tags: [{ semver: "not a range" }, { glob: "v*", exact: "v1" }, { regex: "(" }, { glob: "main-*", environments: [staging] }]',
        '  - name: web',
        '    manifests: other',
        '    images:',
        '      - repository: ghcr.io/acme/api',
        '        tags: [{ exact: stable }]',
        '      - repository: ghcr.io/acme/api',
        '        tags: [{ exact: stable }]',
        '',
      ].join('\n'),
    );

    // Act
    const result = parseSpec(text, 'cluster.yaml');

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const messages = result.issues.map((issue) => `${issue.path}: ${issue.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'workloads[0].images[0].repository: expected a lower-case GHCR repository such as ghcr.io/acme/web or an ECR repository URI such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/web (no tag, no digest)',
        'workloads[0].images[0].tags[0].semver: expected a semver range such as ">=1.2.0" or "^2"',
        'workloads[0].images[0].tags[1]: a rule takes exactly one of semver, glob, regex, exact (found glob, exact)',
        'workloads[0].images[0].tags[2].regex: expected a valid regular expression (the common syntax of JavaScript and RE2: no lookaround, no backreferences)',
        'workloads[0].images[0].tags[3].environments: this rule names environments but the workload sets no `environment`: it could never apply',
        'workloads[1].name: duplicate workload name "web" (first at workloads[0])',
        'workloads[1].images[1].repository: duplicate repository "ghcr.io/acme/api" (first at images[0]): put all its rules in one policy',
      ]),
    );
    expect(result.issues.every((issue) => issue.line > 0)).toBe(true);
  });

  it.each([
    ['/srv/manifests', 'expected a folder relative to the spec file, not the absolute path /srv/manifests'],
    ['C:\\manifests', 'expected a folder relative to the spec file, not the absolute path C:\\manifests'],
    ['../other-team/manifests', "expected a folder inside the spec file's folder; ../other-team/manifests leaves it"],
    ['manifests/../../..', "expected a folder inside the spec file's folder; manifests/../../.. leaves it"],
  ])('refuses the manifests path %s with its line and field', (folder, message) => {
    // Prepare
    const text = withWorkloads(
      `  - name: web\n    manifests: ${JSON.stringify(folder)}\n    images:\n      - repository: ghcr.io/acme/web\n        tags: [{ semver: ">=1.0.0" }]\n`,
    );

    // Act
    const result = parseSpec(text, 'cluster.yaml');

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      {
        file: 'cluster.yaml',
        line: text.split('\n').findIndex((line) => line.startsWith('    manifests:')) + 1,
        column: 16,
        path: 'workloads[0].manifests',
        message,
      },
    ]);
  });
});
