/**
 * Generates the spec reference (docs/spec-reference.md) and the editors' JSON Schema
 * (docs/spec.schema.json) from shared/model/cluster-spec/schema.ts, so the descriptions written next to each
 * field are the only place a field is documented. `npm run docs:spec` writes both files;
 * tests/docs/spec-docs.test.ts fails when the committed files are stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import * as z from 'zod';
import { clusterSpecSchema, SPEC_API_VERSION } from '../shared/model/cluster-spec/schema';

const ROOT = path.resolve(__dirname, '..');

/** Where `npm run docs:spec` writes, and where the test reads the committed copies. */
export const SPEC_DOCS_FILES = {
  markdown: path.join(ROOT, 'docs', 'spec-reference.md'),
  jsonSchema: path.join(ROOT, 'docs', 'spec.schema.json'),
} as const;

/** The part of a draft 2020-12 schema that zod emits for the spec and this renderer reads. */
export interface JsonSchemaNode {
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object' | 'null';
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchemaNode;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  additionalProperties?: boolean | JsonSchemaNode;
  propertyNames?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
}

/** `version` is `z.unknown().transform(...)` (for its YAML-number message), which has no JSON type. */
const KUBERNETES_VERSION_PATTERN = String.raw`^1\.\d{2}$`;

/**
 * Renders the Markdown reference and the JSON Schema of a cluster spec, both deterministic: the
 * order is the schema's own field order.
 *
 * @example
 * const { markdown, jsonSchema } = renderSpecReference();
 * writeFileSync('docs/spec-reference.md', markdown);
 */
export function renderSpecReference(): { markdown: string; jsonSchema: string } {
  const schema = z.toJSONSchema(clusterSpecSchema, {
    target: 'draft-2020-12',
    io: 'input',
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema === clusterSpecSchema.shape.version && jsonSchema.type === undefined) {
        jsonSchema.type = 'string';
        jsonSchema.pattern = KUBERNETES_VERSION_PATTERN;
      }
    },
  });
  const jsonSchema = `${JSON.stringify(schema, null, 2)}\n`;
  // Render from the emitted text, so the Markdown can only describe what editors validate against.
  const markdown = renderMarkdown(JSON.parse(jsonSchema) as JsonSchemaNode);
  return { markdown, jsonSchema };
}

interface Section {
  /** The path the section's rows start with: '' for the cluster, `nodeGroups[]`, `nodeGroups[].scaling`. */
  path: string;
  title: string;
  intro: string;
  /** The fields in schema order; a union of objects (`anyOf`) lists the fields of every form. */
  fields: { name: string; node: JsonSchemaNode; required: 'yes' | 'no' | 'one of these' }[];
}

function renderMarkdown(root: JsonSchemaNode): string {
  const sections: Section[] = [];
  collectSections(root, '', 'The cluster (top level)', 'The document itself: one cluster.', sections);
  const lines = [
    '<!-- Generated from shared/model/cluster-spec/schema.ts by `npm run docs:spec`. Do not edit by hand. -->',
    '',
    '# Cluster spec reference',
    '',
    `A spec file describes one EKS cluster: a single YAML document with \`apiVersion: ${SPEC_API_VERSION}\` and ` +
      '`kind: Cluster`. A folder of spec files (every `*.yaml` and `*.yml` directly inside it) is a fleet, one ' +
      'cluster per file. Every object is strict: an unknown key, a misspelt one included, is an error rather ' +
      'than a setting silently dropped. Defaults are applied when the spec is read, before anything is planned, ' +
      'so a field left unset and the same field written with its default value are the same spec and never ' +
      'show as drift.',
    '',
    `Contents: ${sections.map((section) => link(section)).join(' · ')} · [Validating in your editor](#validating-in-your-editor)`,
    '',
  ];
  for (const section of sections) lines.push(...renderSection(section, sections));
  lines.push(...editorSection());
  return `${lines.join('\n')}\n`;
}

/** Depth-first, in schema order: an object's table, then the tables of the objects inside it. */
function collectSections(node: JsonSchemaNode, at: string, title: string, intro: string, sections: Section[]): void {
  const objects = objectForms(node);
  if (objects === undefined) throw new Error(`${at || 'the spec'} is not an object`);
  const oneOf = objects.length > 1;
  // "one of these" is only true of forms that each have a single required field, as updateConfig's
  // are; a form's optional fields (attachTo.moveFrom beside natGatewayId) are rows of their own.
  if (oneOf && !objects.every((object) => object.required?.length === 1)) {
    throw new Error(`${at} is a union of objects with several fields each; teach the renderer to show its forms`);
  }
  const fields: Section['fields'] = [];
  const seen = new Set<string>();
  for (const object of objects) {
    for (const [name, field] of Object.entries(object.properties ?? {})) {
      if (seen.has(name)) throw new Error(`${join(at, name)} appears in two forms of ${at}; the renderer shows one row per field`);
      seen.add(name);
      const inForm = (object.required ?? []).includes(name);
      const required = oneOf ? (inForm ? 'one of these' : 'no') : inForm ? 'yes' : 'no';
      fields.push({ name, node: field, required });
    }
  }
  sections.push({ path: at, title, intro, fields });
  for (const { name, node: field } of fields) {
    const fieldPath = join(at, name);
    const description = field.description ?? '';
    if (objectForms(field) !== undefined) {
      collectSections(field, fieldPath, code(fieldPath), sentence(forms(field), description), sections);
    } else if (field.type === 'array' && field.items !== undefined && objectForms(field.items) !== undefined) {
      collectSections(field.items, `${fieldPath}[]`, code(`${fieldPath}[]`), sentence(`Each item of \`${fieldPath}\`.`, description), sections);
    }
  }
}

/** The object shapes a node accepts: one for an object with properties, several for a union of them. */
function objectForms(node: JsonSchemaNode): JsonSchemaNode[] | undefined {
  if (node.type === 'object' && node.properties !== undefined) return [node];
  const variants = node.anyOf;
  if (variants !== undefined && variants.every((variant) => variant.type === 'object' && variant.properties !== undefined)) {
    return variants;
  }
  return undefined;
}

function forms(node: JsonSchemaNode): string {
  const variants = objectForms(node) ?? [];
  if (variants.length < 2) return '';
  return `Write exactly one of these fields (${variants.length} forms; each is strict, so two together are an error).`;
}

function renderSection(section: Section, sections: readonly Section[]): string[] {
  const rows = section.fields.map(({ name, node, required }) => {
    const cells = [
      code(join(section.path, name)),
      typeText(node, join(section.path, name), sections),
      required,
      node.default === undefined ? '—' : code(yamlFlow(node.default)),
      node.description ?? '',
    ];
    return `| ${cells.map(cell).join(' | ')} |`;
  });
  return [`## ${section.title}`, '', section.intro, '', '| Field | Type | Required | Default | Description |', '| --- | --- | --- | --- | --- |', ...rows, ''];
}

function typeText(node: JsonSchemaNode, at: string, sections: readonly Section[]): string {
  if (node.const !== undefined) return `always ${code(yamlFlow(node.const))}`;
  if (node.enum !== undefined) return `one of ${node.enum.map((value) => code(yamlFlow(value))).join(', ')}`;
  const shapes = objectForms(node);
  if (shapes !== undefined) {
    const target = sections.find((section) => section.path === at);
    const shape = shapes.length > 1 ? `object, one of ${shapes.length} forms` : 'object';
    return target === undefined ? shape : `${shape}: see ${link(target)}`;
  }
  switch (node.type) {
    case 'string':
      return withConstraints('string', stringConstraints(node));
    case 'integer':
    case 'number':
      return withConstraints(node.type, numberRange(node));
    case 'boolean':
      return 'boolean';
    case 'array': {
      if (node.items === undefined) throw new Error(`${at} is a list with no item schema`);
      const count = countRange(node.minItems, node.maxItems, 'item');
      return `${listOf(node.items, `${at}[]`, sections)}${count === '' ? '' : `; ${count}`}`;
    }
    case 'object': {
      const keys = node.propertyNames === undefined ? [] : stringConstraints(node.propertyNames);
      const values = typeof node.additionalProperties === 'object' ? node.additionalProperties : {};
      if (values.type === undefined && values.anyOf === undefined && values.enum === undefined) {
        return withConstraints(
          'map of string to any value',
          keys.map((text) => `keys ${text}`),
        );
      }
      if (values.type !== 'string') throw new Error(`${at} maps to ${values.type ?? 'a union'}; teach typeText to describe it`);
      return withConstraints('map of string to string', [...keys.map((text) => `keys ${text}`), ...stringConstraints(values).map((text) => `values ${text}`)]);
    }
    case 'null':
      throw new Error(`${at} is null-typed; teach typeText to describe it`);
    case undefined:
      // A field without a JSON type (a transform, a custom check) would document and validate nothing.
      throw new Error(`${at} has no JSON Schema type; give it one in renderSpecReference's override`);
  }
}

/** A list's item type, in the plural: `list of strings, each matching ...`, `list of objects: see ...`. */
function listOf(items: JsonSchemaNode, at: string, sections: readonly Section[]): string {
  const target = sections.find((section) => section.path === at);
  if (objectForms(items) !== undefined && target !== undefined) return `list of objects: see ${link(target)}`;
  if (items.enum !== undefined) return `list, each one of ${items.enum.map((value) => code(yamlFlow(value))).join(', ')}`;
  if (items.type === 'string')
    return withConstraints(
      'list of strings',
      stringConstraints(items).map((text) => `each ${text}`),
    );
  throw new Error(`${at} is a list of ${items.type ?? 'a union'}; teach listOf to describe it`);
}

function stringConstraints(node: JsonSchemaNode): string[] {
  const length = countRange(node.minLength, node.maxLength, 'character');
  return [...(node.pattern === undefined ? [] : [`matching ${code(node.pattern)}`]), ...(length === '' ? [] : [length])];
}

function numberRange(node: JsonSchemaNode): string[] {
  // zod bounds every int() by the safe integers; those bounds say nothing to a reader.
  const min = node.minimum === Number.MIN_SAFE_INTEGER ? undefined : node.minimum;
  const max = node.maximum === Number.MAX_SAFE_INTEGER ? undefined : node.maximum;
  if (min !== undefined && max !== undefined) return [`${min}–${max}`];
  if (min !== undefined) return [`≥ ${min}`];
  if (max !== undefined) return [`≤ ${max}`];
  return [];
}

function countRange(min: number | undefined, max: number | undefined, unit: string): string {
  const plural = (n: number): string => `${n} ${unit}${n === 1 ? '' : 's'}`;
  const low = min === undefined || min === 0 ? undefined : min;
  if (low !== undefined && max !== undefined) return low === max ? `exactly ${plural(low)}` : `${low}–${max} ${unit}s`;
  if (low !== undefined) return `at least ${plural(low)}`;
  if (max !== undefined) return `at most ${plural(max)}`;
  return '';
}

function withConstraints(base: string, constraints: readonly string[]): string {
  return constraints.length === 0 ? base : `${base}, ${constraints.join(', ')}`;
}

function editorSection(): string[] {
  return [
    '## Validating in your editor',
    '',
    '[`spec.schema.json`](spec.schema.json), beside this file, is the same schema as JSON Schema (draft 2020-12), ' +
      'generated from the same source. Editors built on the YAML language server (the Red Hat YAML extension ' +
      'for VS Code, yamlls in Neovim, and others) complete field names, show these descriptions on hover and ' +
      'flag unknown keys, wrong types, values outside an enumeration or a pattern, and missing required ' +
      'fields, when the first line of a spec names the schema. The path is relative to the spec file; for a ' +
      'spec at `examples/<name>/cluster.yaml`:',
    '',
    '```yaml',
    '# yaml-language-server: $schema=../../docs/spec.schema.json',
    `apiVersion: ${SPEC_API_VERSION}`,
    'kind: Cluster',
    'name: my-cluster',
    '# ...',
    '```',
    '',
    'The JSON Schema checks each field on its own. The rules that relate fields to each other (for example ' +
      '`scaling.min` not above `scaling.max`, unique node group names, no access entries with ' +
      '`authenticationMode: CONFIG_MAP`) and the exact form of `accessEntries[].principalArn` are checked only ' +
      'when eks-pilot reads the spec, so run `eks-pilot plan --offline <spec>` before you commit one.',
  ];
}

function join(at: string, name: string): string {
  return at === '' ? name : `${at}.${name}`;
}

function sentence(first: string, description: string): string {
  return [first, description].filter((part) => part !== '').join(' ');
}

/** A link to a section's heading, with the anchor GitHub derives from the heading text. */
function link(section: Section): string {
  const anchor = section.title
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
  return `[${section.title}](#${anchor})`;
}

/** An inline code span that survives any backticks inside it. */
function code(text: string): string {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A table cell: one line, and a `|` (in a pattern, say) must not end the cell. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, String.raw`\|`);
}

/** A value as it would be written in the spec: `[ t3.medium ]`, `{ maxUnavailable: 1 }`, `OVERWRITE`. */
function yamlFlow(value: unknown): string {
  return stringify(value, { collectionStyle: 'flow' }).trim();
}

if (require.main === module) {
  const { markdown, jsonSchema } = renderSpecReference();
  mkdirSync(path.dirname(SPEC_DOCS_FILES.markdown), { recursive: true });
  writeFileSync(SPEC_DOCS_FILES.markdown, markdown);
  writeFileSync(SPEC_DOCS_FILES.jsonSchema, jsonSchema);
  process.stdout.write(`wrote ${path.relative(ROOT, SPEC_DOCS_FILES.markdown)} and ${path.relative(ROOT, SPEC_DOCS_FILES.jsonSchema)}\n`);
}
