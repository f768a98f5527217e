import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SpecError } from '../../../../shared/errors';
import { loadSpecs, MAX_REPORTED_ISSUES, MAX_SPEC_BYTES, parseSpec, parseSpecFile } from '../../../../shared/model/cluster-spec/load';

const VALID = path.join(__dirname, '../../../fixtures/specs/valid.yaml');

/** The valid fixture with one line replaced, so each case changes exactly one thing. */
async function variant(find: string, replace: string): Promise<string> {
  const text = await readFile(VALID, 'utf8');
  if (!text.includes(find)) throw new Error(`fixture has no "${find}"`);
  return text.replace(find, replace);
}

function issuesOf(text: string) {
  const result = parseSpec(text, 'cluster.yaml');
  if (result.ok) throw new Error('expected the spec to be rejected');
  return result.issues.map((issue) => `${issue.file}:${issue.line} ${issue.path}: ${issue.message}`);
}

describe('parseSpec', () => {
  it('applies the documented defaults to a minimal spec', async () => {
    // Act
    const result = parseSpec(await readFile(VALID, 'utf8'), 'valid.yaml');

    // Assess
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.spec.authenticationMode).toBe('API_AND_CONFIG_MAP');
    expect(result.spec.vpc).toEqual({
      subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
      securityGroupIds: [],
      endpointPublicAccess: true,
      endpointPrivateAccess: true,
      publicAccessCidrs: ['0.0.0.0/0'],
    });
    expect(result.spec.nodeGroups[0]).toMatchObject({
      instanceTypes: ['t3.medium'],
      capacityType: 'ON_DEMAND',
      amiType: 'AL2023_x86_64_STANDARD',
      diskSize: 20,
      updateConfig: { maxUnavailable: 1 },
      labels: {},
      taints: [],
    });
  });

  it.each([
    [
      'a typo in a key, with a suggestion',
      'region: us-east-1',
      'regoin: us-east-1',
      ['cluster.yaml:4 regoin: unknown field "regoin" (did you mean "region"?)', 'cluster.yaml:1 region: required field is missing (expected string)'],
    ],
    [
      'a typo in a nested key',
      '    scaling: { min: 1, max: 3 }',
      '    scaling: { min: 1, max: 3, desierd: 2 }',
      ['cluster.yaml:12 nodeGroups[0].scaling.desierd: unknown field "desierd" (did you mean "desired"?)'],
    ],
    [
      'a wrong type',
      '    scaling: { min: 1, max: 3 }',
      '    scaling: { min: "one", max: 3 }',
      ['cluster.yaml:12 nodeGroups[0].scaling.min: expected number, received string'],
    ],
    [
      'min greater than max',
      '    scaling: { min: 1, max: 3 }',
      '    scaling: { min: 4, max: 3 }',
      ['cluster.yaml:12 nodeGroups[0].scaling.min: min (4) must not exceed max (3)'],
    ],
    [
      'desired outside [min, max]',
      '    scaling: { min: 1, max: 3 }',
      '    scaling: { min: 1, max: 3, desired: 7 }',
      ['cluster.yaml:12 nodeGroups[0].scaling.desired: desired (7) must lie within [min, max] = [1, 3]'],
    ],
    [
      'an unquoted version YAML reads as a number',
      'version: "1.31"',
      'version: 1.30',
      ['cluster.yaml:5 version: expected a quoted version such as "1.31"; unquoted, YAML reads it as the number 1.3 (1.30 becomes 1.3)'],
    ],
    [
      'an unknown version format',
      'version: "1.31"',
      'version: "v1.31.2"',
      ['cluster.yaml:5 version: expected a Kubernetes minor version such as "1.31", got "v1.31.2"'],
    ],
    [
      'an invalid role ARN',
      'role/eks-cluster',
      'user/eks-cluster',
      ['cluster.yaml:6 roleArn: expected an IAM role ARN, arn:aws:iam::<12-digit account>:role/<name>'],
    ],
    [
      'an unknown enum value',
      '    scaling: { min: 1, max: 3 }',
      '    scaling: { min: 1, max: 3 }\n    capacityType: SPOTS',
      ['cluster.yaml:13 nodeGroups[0].capacityType: expected one of "CAPACITY_BLOCK"|"ON_DEMAND"|"SPOT"'],
    ],
    [
      'a single subnet',
      'subnetIds: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]',
      'subnetIds: [subnet-0123456789abcdef0]',
      ['cluster.yaml:8 vpc.subnetIds: EKS needs subnets in at least two Availability Zones'],
    ],
  ])('rejects %s, naming the line and the field', async (_case, find, replace, expected) => {
    // Act
    const issues = issuesOf(await variant(find, replace));

    // Assess
    expect(issues).toEqual(expect.arrayContaining(expected));
    expect(issues).toHaveLength(expected.length);
  });

  it('rejects duplicate node group names, pointing at the second', async () => {
    // Prepare
    const text = `${await readFile(VALID, 'utf8')}  - name: general\n    nodeRoleArn: arn:aws:iam::123456789012:role/eks-node\n    scaling: { min: 0, max: 1 }\n`;

    // Act
    const issues = issuesOf(text);

    // Assess
    expect(issues).toEqual(['cluster.yaml:13 nodeGroups[1].name: duplicate node group name "general" (first at nodeGroups[0])']);
  });

  it('rejects an assumed-role session ARN in an access entry with the fix', async () => {
    // Prepare
    const text = `${await readFile(VALID, 'utf8')}accessEntries:\n  - principalArn: arn:aws:sts::123456789012:assumed-role/admin/jane\n`;

    // Act
    const issues = issuesOf(text);

    // Assess
    expect(issues).toEqual([
      'cluster.yaml:14 accessEntries[0].principalArn: an access entry takes the IAM role ARN (arn:aws:iam::<account>:role/<name>), not an assumed-role session ARN',
    ]);
  });

  it('reports every problem in one pass, in line order', async () => {
    // Prepare
    const text = (await variant('version: "1.31"', 'version: 1.31')).replace('{ min: 1, max: 3 }', '{ min: 5, max: 3 }');

    // Act
    const issues = issuesOf(text);

    // Assess
    expect(issues).toEqual([
      'cluster.yaml:5 version: expected a quoted version such as "1.31"; unquoted, YAML reads it as the number 1.31 (1.30 becomes 1.3)',
      'cluster.yaml:12 nodeGroups[0].scaling.min: min (5) must not exceed max (3)',
    ]);
  });

  it.each([
    ['an empty file', '', 'cluster.yaml:1 : the file is empty; expected a cluster spec (apiVersion: eks-pilot/v1, kind: Cluster, ...)'],
    ['a YAML syntax error', 'name: [unclosed\n', 'cluster.yaml:2 : YAML syntax:'],
    ['a duplicate key', 'name: a\nname: b\n', 'cluster.yaml:2 name: duplicate key "name" (first at line 1)'],
    ['a duplicate key deep inside', 'vpc:\n  subnetIds: [a]\n  subnetIds: [b]\n', 'cluster.yaml:3 vpc.subnetIds: duplicate key "subnetIds" (first at line 2)'],
    ['a __proto__ key', 'tags:\n  __proto__: { polluted: "yes" }\n', 'cluster.yaml:2 tags.__proto__: "__proto__" is a reserved name and cannot be a key'],
    ['a constructor key', 'labels:\n  constructor: x\n', 'cluster.yaml:2 labels.constructor: "constructor" is a reserved name'],
    ['a map as a key', '? { a: 1 }\n: b\n', 'cluster.yaml:1 : a key must be a plain value, not a list or a map'],
    ['nesting 40 levels deep', `tags: ${'['.repeat(40)}${']'.repeat(40)}\n`, 'nested deeper than 32 levels'],
    ['two documents in one file', 'name: a\n---\nname: b\n', 'cluster.yaml:2 : a spec file holds one cluster'],
  ])('rejects %s', (_case, text, expected) => {
    expect(issuesOf(text)[0]).toContain(expected);
  });

  it.each([
    // 81 aliases expanding to 9^9 strings: refused by yaml's expansion limit, as a spec error
    [9, ['cluster.yaml:1 : YAML aliases expand too far: Excessive alias count indicates a resource exhaustion attack']],
    // 108 aliases: refused by count, at the 101st
    [12, [expect.stringMatching(/^cluster\.yaml:\d+ l\d+\[\d\]: more than 100 YAML aliases$/)]],
  ])('refuses a billion-laughs alias bomb of %i levels as a spec error, never an internal one', (depth, expected) => {
    // Prepare: each level refers to the one above nine times
    const levels = Array.from({ length: depth }, (_, n) => `l${n + 1}: &l${n + 1} [${Array.from({ length: 9 }, () => `*l${n}`).join(', ')}]`);
    const text = ['l0: &l0 "lol"', ...levels, 'name: bomb', ''].join('\n');

    // Act
    const issues = issuesOf(text);

    // Assess
    expect(issues).toEqual(expected);
  });

  it('lists the first MAX_REPORTED_ISSUES issues, each located, and counts the rest in one more line', async () => {
    // Prepare: 60 unknown top-level fields after the valid fixture's lines
    const fixture = await readFile(VALID, 'utf8');
    const firstLine = fixture.split('\n').length;
    const text = fixture.concat(Array.from({ length: 60 }, (_, n) => `extra${n}: x`).join('\n'), '\n');

    // Act
    const issues = issuesOf(text);

    // Assess
    expect(issues).toHaveLength(MAX_REPORTED_ISSUES + 1);
    expect(issues[0]).toBe(`cluster.yaml:${firstLine} extra0: unknown field "extra0"`);
    expect(issues[MAX_REPORTED_ISSUES - 1]).toBe(`cluster.yaml:${firstLine + MAX_REPORTED_ISSUES - 1} extra49: unknown field "extra49"`);
    expect(issues[MAX_REPORTED_ISSUES]).toBe('cluster.yaml:0 : and 10 more issues not listed');
  });

  it('accepts an anchor and its aliases, as people write repeated values', async () => {
    // Prepare: the cluster's name reused as a tag value
    const text = (await variant('name: test-cluster', 'name: &name test-cluster')).concat('tags: { cluster: *name, team: *name }\n');

    // Act
    const result = parseSpec(text, 'cluster.yaml');

    // Assess
    expect(result.ok && result.spec.tags).toEqual({ cluster: 'test-cluster', team: 'test-cluster' });
  });
});

describe('parseSpec, on what AWS refuses', () => {
  const withVpc = async (line: string) =>
    variant('  subnetIds: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]', `  subnetIds: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]\n${line}`);

  it.each([
    ['an octet over 255', '  publicAccessCidrs: ["203.0.113.300/24"]', 'cluster.yaml:9 vpc.publicAccessCidrs[0]: expected an IPv4 CIDR such as 203.0.113.0/24'],
    ['a prefix over 32', '  publicAccessCidrs: ["203.0.113.0/33"]', 'cluster.yaml:9 vpc.publicAccessCidrs[0]: expected an IPv4 CIDR such as 203.0.113.0/24'],
    [
      'host bits set',
      '  publicAccessCidrs: ["203.0.113.5/24"]',
      'cluster.yaml:9 vpc.publicAccessCidrs[0]: 203.0.113.5/24 has host bits set: the block is 203.0.113.0/24',
    ],
  ])('refuses a CIDR with %s', async (_case, line, expected) => {
    expect(issuesOf(await withVpc(line))).toEqual([expected]);
  });

  it('accepts canonical CIDRs, a single address and the whole Internet', async () => {
    expect(parseSpec(await withVpc('  publicAccessCidrs: ["203.0.113.0/24", "198.51.100.7/32", "0.0.0.0/0"]'), 'cluster.yaml').ok).toBe(true);
  });

  it.each([
    ['the reserved aws: prefix', 'tags: { "AWS:owner": x }\n', 'tags.AWS:owner: the aws: prefix is reserved for AWS'],
    ['a character AWS does not take', 'tags: { "owner#1": x }\n', 'tags.owner#1: a tag key takes letters, digits, spaces and _ . : / = + - @'],
    ['51 tags', `tags: { ${Array.from({ length: 51 }, (_, n) => `t${n}: x`).join(', ')} }\n`, 'tags: at most 50 tags per resource'],
  ])('refuses tags with %s', async (_case, line, expected) => {
    const issues = issuesOf(`${await readFile(VALID, 'utf8')}${line}`);
    expect(issues.map((issue) => issue.replace(/^cluster\.yaml:\d+ /, ''))).toEqual([expected]);
  });
});

describe('parseSpecFile', () => {
  it('refuses a file over the size limit before parsing it', () => {
    const result = parseSpecFile(Buffer.alloc(MAX_SPEC_BYTES + 1, 0x20), 'big.yaml');

    expect(result).toEqual({
      ok: false,
      issues: [{ file: 'big.yaml', line: 0, column: 0, path: '', message: `the file is ${MAX_SPEC_BYTES + 1} bytes; a spec may be at most ${MAX_SPEC_BYTES}` }],
    });
  });

  it('refuses bytes that are not UTF-8, naming the line and column of the first', () => {
    const bytes = Buffer.concat([Buffer.from('apiVersion: eks-pilot/v1\nname: caf'), Buffer.from([0xe9]), Buffer.from('\n')]);

    const result = parseSpecFile(bytes, 'latin1.yaml');

    expect(result).toEqual({ ok: false, issues: [{ file: 'latin1.yaml', line: 2, column: 10, path: '', message: 'the file is not valid UTF-8' }] });
  });

  it('parses a map of 20,000 keys in one pass (no quadratic duplicate check), and says what is wrong with it', () => {
    const keys = Array.from({ length: 20_000 }, (_, n) => `  k${n}: v`).join('\n');

    const result = parseSpecFile(Buffer.from(`name: big\ntags:\n${keys}\n  k7: again\n`), 'big.yaml');

    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues[0]?.message).toBe('duplicate key "k7" (first at line 10)');
  });
});

describe('loadSpecs', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'eks-pilot-spec-'));
  });

  it('loads a folder as a fleet of every YAML file directly inside it', async () => {
    // Prepare
    const text = await readFile(VALID, 'utf8');
    await writeFile(path.join(dir, 'b.yml'), text.replace('name: test-cluster', 'name: b'));
    await writeFile(path.join(dir, 'a.yaml'), text.replace('name: test-cluster', 'name: a'));
    await writeFile(path.join(dir, 'notes.txt'), 'not a spec');
    await mkdir(path.join(dir, 'manifests'));

    // Act
    const specs = await loadSpecs([dir]);

    // Assess
    expect(specs.map(({ file, spec }) => [path.basename(file), spec.name])).toEqual([
      ['a.yaml', 'a'],
      ['b.yml', 'b'],
    ]);
  });

  it('says so when a path does not exist', async () => {
    await expect(loadSpecs([path.join(dir, 'nope.yaml')])).rejects.toThrow(`${path.join(dir, 'nope.yaml')}: no such file or folder`);
  });

  it('says so when a folder holds no spec', async () => {
    await expect(loadSpecs([dir])).rejects.toThrow(`${dir}: the folder holds no spec files (*.yaml or *.yml directly inside it)`);
  });

  it('rejects the same cluster specified twice in a fleet', async () => {
    // Prepare
    const text = await readFile(VALID, 'utf8');
    await writeFile(path.join(dir, 'a.yaml'), text);
    await writeFile(path.join(dir, 'b.yaml'), text);

    // Act
    const failure = loadSpecs([dir]);

    // Assess
    await expect(failure).rejects.toBeInstanceOf(SpecError);
    await expect(failure).rejects.toThrow(`b.yaml name: cluster test-cluster in us-east-1 is also specified in ${path.join(dir, 'a.yaml')}`);
  });

  it('reports the issues of every file, not only the first bad one', async () => {
    // Prepare
    await writeFile(path.join(dir, 'a.yaml'), 'kind: Cluster\n');
    await writeFile(path.join(dir, 'b.yaml'), '');

    // Act
    const error = await loadSpecs([dir]).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(SpecError);
    const files = new Set((error as SpecError).issues.map((issue) => path.basename(issue.file)));
    expect(files).toEqual(new Set(['a.yaml', 'b.yaml']));
  });
});
