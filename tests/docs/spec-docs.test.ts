import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { renderSpecReference, SPEC_DOCS_FILES } from '../../scripts/spec-docs';
import type { JsonSchemaNode } from '../../scripts/spec-docs';

const ROOT = path.join(__dirname, '../..');
const EXAMPLES = path.join(ROOT, 'examples');
const STARTER = path.join(EXAMPLES, 'starter/cluster.yaml');

/**
 * Fields shared/model/cluster-spec/schema.ts gives no `.describe(...)`: their rows have an empty Description.
 * When one gains a description, take it off this list (and run `npm run docs:spec`).
 */
/** Fields the schema leaves without a description; every field has one today. */
const UNDESCRIBED: string[] = [];

const rendered = renderSpecReference();
const schema = JSON.parse(rendered.jsonSchema) as JsonSchemaNode;

/** Every field of the JSON Schema by its dotted path (`nodeGroups[].scaling.min`), with its node. */
function fieldsOf(node: JsonSchemaNode, at = ''): [string, JsonSchemaNode][] {
  if (node.anyOf !== undefined) return node.anyOf.flatMap((variant) => fieldsOf(variant, at));
  if (node.type === 'array' && node.items !== undefined) return fieldsOf(node.items, `${at}[]`);
  return Object.entries(node.properties ?? {}).flatMap(([name, field]): [string, JsonSchemaNode][] => {
    const fieldPath = at === '' ? name : `${at}.${name}`;
    return [[fieldPath, field], ...fieldsOf(field, fieldPath)];
  });
}

/** Every object with declared fields, anywhere in the schema. */
function objectsOf(node: JsonSchemaNode): JsonSchemaNode[] {
  const children = [...Object.values(node.properties ?? {}), ...(node.items === undefined ? [] : [node.items]), ...(node.anyOf ?? [])];
  return [...(node.properties === undefined ? [] : [node]), ...children.flatMap(objectsOf)];
}

function expectCommitted(file: string, expected: string): void {
  const name = path.relative(ROOT, file);
  let committed: string;
  try {
    committed = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${name} is missing: run \`npm run docs:spec\``, { cause: error });
  }
  if (committed === expected) return;
  const committedLines = committed.split('\n');
  const expectedLines = expected.split('\n');
  let at = 0;
  while (committedLines[at] === expectedLines[at]) at += 1;
  throw new Error(
    `${name} is out of date with shared/model/cluster-spec/schema.ts: run \`npm run docs:spec\`\n` +
      `first difference at line ${at + 1}:\n  committed: ${committedLines[at] ?? '(end of file)'}\n  generated: ${expectedLines[at] ?? '(end of file)'}`,
  );
}

/** Strict, so a keyword ajv does not know (a sign the schema is not the draft it claims) fails to compile. */
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

function starterWith(change: (spec: Record<string, unknown>) => void): unknown {
  const spec = parse(readFileSync(STARTER, 'utf8')) as Record<string, unknown>;
  change(spec);
  return spec;
}

describe('spec reference docs', () => {
  it('has docs/spec-reference.md up to date with the schema', () => {
    expectCommitted(SPEC_DOCS_FILES.markdown, rendered.markdown);
  });

  it('has docs/spec.schema.json up to date with the schema', () => {
    expectCommitted(SPEC_DOCS_FILES.jsonSchema, rendered.jsonSchema);
  });

  it('renders the same text on every run', () => {
    // Act
    const again = renderSpecReference();

    // Assess
    expect(again).toEqual(rendered);
  });

  it('gives every field of the schema a row in the Markdown, and no row to a field that is not there', () => {
    // Prepare
    const paths = fieldsOf(schema).map(([fieldPath]) => fieldPath);
    const rows = rendered.markdown
      .split('\n')
      .map((line) => /^\| `([^`]+)` \|/.exec(line)?.[1])
      .filter((row): row is string => row !== undefined);

    // Assess
    expect(paths).toContain('nodeGroups[].scaling.min');
    expect(paths).toContain('nodeGroups[].updateConfig.maxUnavailablePercentage');
    expect(rows).toEqual(expect.arrayContaining(paths));
    expect(paths).toEqual(expect.arrayContaining(rows));
    expect(new Set(rows).size).toBe(rows.length);
  });

  it('shows every description the schema has, and lists the fields without one', () => {
    // Prepare
    const fields = fieldsOf(schema);

    // Act
    const undescribed = fields.filter(([, node]) => node.description === undefined).map(([fieldPath]) => fieldPath);

    // Assess
    expect(undescribed).toEqual(UNDESCRIBED);
    for (const [, node] of fields) {
      // A `|` in a table cell is written `\|`.
      if (node.description !== undefined) expect(rendered.markdown).toContain(node.description.replace(/\|/g, '\\|'));
    }
  });

  it('shows the version as a quoted string, not as the untyped transform behind it', () => {
    // Assess
    expect(schema.properties?.version).toMatchObject({ type: 'string', description: expect.stringContaining('quoted') as unknown });
  });

  it('keeps every object of the JSON Schema strict', () => {
    // Act
    const objects = objectsOf(schema);

    // Assess
    expect(objects.length).toBeGreaterThan(8);
    for (const object of objects) expect(object.additionalProperties).toBe(false);
  });

  it('tells editors how to point a spec at the JSON Schema', () => {
    // Assess
    expect(rendered.markdown).toContain('# yaml-language-server: $schema=../../docs/spec.schema.json');
  });
});

describe('docs/spec.schema.json', () => {
  const examples = readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .filter((name) => readdirSync(path.join(EXAMPLES, name)).includes('cluster.yaml'))
    .sort();

  it('finds the examples to check', () => {
    expect(examples).toContain('starter');
  });

  it.each(examples)('accepts examples/%s/cluster.yaml', (name) => {
    // Prepare
    const spec: unknown = parse(readFileSync(path.join(EXAMPLES, name, 'cluster.yaml'), 'utf8'));

    // Act
    const valid = validate(spec);

    // Assess
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it.each([
    ['an unknown top-level key', (spec: Record<string, unknown>) => (spec.regoin = 'us-east-1'), '', 'additionalProperties'],
    [
      'an unknown key in a node group',
      (spec: Record<string, unknown>) => {
        const [group] = spec.nodeGroups as Record<string, unknown>[];
        if (group !== undefined) group.desierdSize = 2;
      },
      '/nodeGroups/0',
      'additionalProperties',
    ],
    ['a version YAML reads as a number', (spec: Record<string, unknown>) => (spec.version = 1.3), '/version', 'type'],
    ['a missing required field', (spec: Record<string, unknown>) => delete spec.roleArn, '', 'required'],
    ['a value outside an enumeration', (spec: Record<string, unknown>) => (spec.onDrift = 'fix'), '/onDrift', 'enum'],
  ])('rejects a spec with %s', (_case, change, instancePath, keyword) => {
    // Prepare
    const spec = starterWith(change);

    // Act
    const valid = validate(spec);

    // Assess
    expect(valid).toBe(false);
    expect(validate.errors).toEqual(expect.arrayContaining([expect.objectContaining({ instancePath, keyword })]));
  });
});
