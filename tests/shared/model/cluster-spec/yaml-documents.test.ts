import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatSpecIssue } from '../../../../shared/errors';
import { MANIFEST_LIMITS, parseYamlDocuments } from '../../../../shared/model/cluster-spec/load';
import { loadManifests, ManifestError } from '../../../../functions/deploy/model/manifests';

/** Nine references per level to the level above: `depth` levels expand to 9^depth strings. */
function aliasBomb(depth: number): string {
  const levels = Array.from({ length: depth }, (_, n) => `l${n + 1}: &l${n + 1} [${Array.from({ length: 9 }, () => `*l${n}`).join(', ')}]`);
  return [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: { name: bomb, namespace: default }',
    'data:',
    '  l0: &l0 "lol"',
    ...levels.map((line) => `  ${line}`),
    '',
  ].join('\n');
}

describe('parseYamlDocuments', () => {
  it('returns every non-empty document with the line it starts on (its --- marker)', () => {
    // Prepare
    const text = 'a: 1\n---\n---\nb: 2\n';

    // Act
    const { documents, issues } = parseYamlDocuments(text, 'objects.yaml');

    // Assess
    expect(issues).toEqual([]);
    expect(documents).toEqual([
      { value: { a: 1 }, line: 1, column: 1 },
      { value: { b: 2 }, line: 3, column: 1 },
    ]);
  });

  it.each([
    ['a duplicate key', 'metadata:\n  name: a\n  name: b\n', 'objects.yaml:3:3 metadata.name: duplicate key "name" (first at line 2)'],
    ['a __proto__ key', 'data:\n  __proto__: { polluted: "yes" }\n', 'objects.yaml:2:3 data.__proto__: "__proto__" is a reserved name and cannot be a key'],
    ['nesting 40 levels deep', `spec: ${'['.repeat(40)}${']'.repeat(40)}\n`, 'nested deeper than 32 levels'],
    ['a syntax error', 'metadata: [unclosed\n', 'objects.yaml:2:1: YAML syntax:'],
    [
      'an alias bomb of 9 levels (yaml refuses the expansion)',
      aliasBomb(9),
      'objects.yaml:1:1: YAML aliases expand too far: Excessive alias count indicates a resource exhaustion attack',
    ],
    ['an alias bomb of 12 levels (over 100 aliases)', aliasBomb(12), 'more than 100 YAML aliases'],
  ])('refuses %s with file:line:column', (_case, text, expected) => {
    // Act
    const { documents, issues } = parseYamlDocuments(text, 'objects.yaml');

    // Assess
    expect(documents).toEqual([]);
    expect(issues.map(formatSpecIssue)[0]).toContain(expected);
  });

  it('keeps the good documents of a file whose other document is bad', () => {
    // Act
    const { documents, issues } = parseYamlDocuments('a: 1\n---\nb: 1\nb: 2\n', 'objects.yaml');

    // Assess
    expect(documents.map((document) => document.value)).toEqual([{ a: 1 }]);
    expect(issues.map(formatSpecIssue)).toEqual(['objects.yaml:4:1 b: duplicate key "b" (first at line 3)']);
  });

  it('refuses bytes over the size limit and bytes that are not UTF-8 before parsing', () => {
    // Act
    const big = parseYamlDocuments(Buffer.alloc(MANIFEST_LIMITS.maxBytes + 1, 0x20), 'big.yaml');
    const latin1 = parseYamlDocuments(Buffer.concat([Buffer.from('data:\n  city: S'), Buffer.from([0xe3]), Buffer.from('o Paulo\n')]), 'latin1.yaml');

    // Assess
    expect(big.issues.map(formatSpecIssue)).toEqual([
      `big.yaml: the file is ${MANIFEST_LIMITS.maxBytes + 1} bytes; a manifest file may be at most ${MANIFEST_LIMITS.maxBytes}`,
    ]);
    expect(latin1.issues.map(formatSpecIssue)).toEqual(['latin1.yaml:2:10: the file is not valid UTF-8']);
  });
});

describe('loadManifests, on hostile files', () => {
  it('reports an alias bomb as file:line:column, never a ReferenceError', async () => {
    // Prepare
    const folder = await mkdtemp(path.join(tmpdir(), 'manifests-'));
    await writeFile(path.join(folder, 'bomb.yaml'), aliasBomb(9));

    // Act
    const error: unknown = await loadManifests(folder).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).message).toBe(
      `the manifests in ${folder} cannot be applied:\n${path.join(folder, 'bomb.yaml')}:1:1: YAML aliases expand too far: Excessive alias count indicates a resource exhaustion attack`,
    );
  });
});
