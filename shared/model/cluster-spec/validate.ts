/**
 * Validates one spec document against the schema and words each issue as file:line:column field:
 * message, with a "did you mean" for an unknown field. The CLI, the tests and the packaging step run
 * it; a bundle built with pre-validated specs (scripts/esbuild/prevalidated-specs.cjs) gets
 * ./prevalidated.ts in its place and carries no spec schema.
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import type { SpecIssue } from '../../errors';
import { closest } from './closest';
import { clusterSpecSchema, SPEC_API_VERSION } from './schema';
import type { ClusterSpec } from './schema';
import type { PathSegment } from './yaml-file';
import {
  atIn,
  decodeFile,
  firstLine,
  formatPath,
  locate,
  MAX_REPORTED_ISSUES,
  MAX_SPEC_ALIASES,
  MAX_SPEC_BYTES,
  SPEC_LIMITS,
  structureIssues,
  withRestCounted,
} from './yaml-file';

export type ParseResult = { ok: true; spec: ClusterSpec } | { ok: false; issues: SpecIssue[] };

/**
 * {@link parseSpec} for the bytes of a file: refuses a file over {@link MAX_SPEC_BYTES} and one
 * that is not UTF-8 (naming the line of the first bad byte) before any YAML is parsed.
 */
export function parseSpecFile(bytes: Buffer, file: string): ParseResult {
  const decoded = decodeFile(bytes, file, SPEC_LIMITS);
  return typeof decoded === 'string' ? parseSpec(decoded, file) : { ok: false, issues: [decoded] };
}

/** Parses and validates one spec document held in memory; `file` is only used in messages. */
export function parseSpec(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const at = atIn(lineCounter, file);
  if (Buffer.byteLength(text) > MAX_SPEC_BYTES)
    return { ok: false, issues: [at(0, '', `the spec is ${Buffer.byteLength(text)} bytes; a spec may be at most ${MAX_SPEC_BYTES}`)] };
  // yaml's own uniqueKeys check compares every pair of keys in a map (quadratic in its size):
  // duplicates are found by {@link structureIssues} in one pass instead.
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });

  if (!Array.isArray(documents)) return { ok: false, issues: [at(0, '', 'the file is empty; expected a cluster spec')] };
  const syntax = documents.flatMap((doc) => doc.errors.map((error) => at(error.pos[0], '', `YAML syntax: ${firstLine(error.message)}`)));
  if (syntax.length > 0) return { ok: false, issues: syntax };
  const [document, second] = documents;
  if (document === undefined || document.contents === null) {
    return { ok: false, issues: [at(0, '', `the file is empty; expected a cluster spec (apiVersion: ${SPEC_API_VERSION}, kind: Cluster, ...)`)] };
  }
  if (second !== undefined) {
    return { ok: false, issues: [at(second.range[0], '', 'a spec file holds one cluster: put each further cluster in its own file')] };
  }

  const structure = structureIssues(document.contents, at, SPEC_LIMITS);
  if (structure.length > 0) return { ok: false, issues: withRestCounted(structure.slice(0, MAX_REPORTED_ISSUES), structure.length, file) };
  let input: unknown;
  try {
    input = document.toJS({ maxAliasCount: MAX_SPEC_ALIASES });
  } catch (error) {
    // yaml refuses an alias that expands too far (ReferenceError): a spec error, not ours.
    return { ok: false, issues: [at(0, '', `YAML aliases expand too far: ${error instanceof Error ? error.message : String(error)}`)] };
  }
  const parsed = clusterSpecSchema.safeParse(input, { reportInput: true });
  if (parsed.success) return { ok: true, spec: parsed.data };

  const root = document.contents;
  // Each issue is located and worded on its own; a hostile spec can carry tens of thousands, so
  // only the first MAX_REPORTED_ISSUES are, and one more line counts the rest.
  const found = parsed.error.issues.flatMap((issue): (() => SpecIssue)[] => {
    const issuePath = issue.path.filter((segment): segment is PathSegment => typeof segment !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => () => {
        const keyPath = [...issuePath, key];
        const suggestion = closest(key, knownKeys(issuePath));
        const hint = suggestion ? ` (did you mean "${suggestion}"?)` : '';
        return at(locate(root, keyPath, 'key'), formatPath(keyPath), `unknown field "${key}"${hint}`);
      });
    }
    return [() => at(locate(root, issuePath, 'value'), formatPath(issuePath), describeIssue(issue))];
  });
  const issues = found
    .slice(0, MAX_REPORTED_ISSUES)
    .map((describe) => describe())
    .sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: false, issues: withRestCounted(issues, found.length, file) };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return `required field is missing (expected ${issue.expected})`;
  if (issue.code === 'invalid_union') return 'expected exactly one of the allowed forms; see docs/spec-reference.md';
  // A map key that breaks the key's own rule: say which rule, not "Invalid key in record".
  if (issue.code === 'invalid_key') return issue.issues.map((inner) => describeIssue(inner)).join('; ') || issue.message;
  return issue.message.replace(/^Invalid input: /, '').replace(/^Invalid option: /, '');
}

/** The field names allowed at a path of the schema, for "did you mean" hints. */
function knownKeys(fieldPath: readonly PathSegment[]): string[] {
  let schema: z.core.$ZodType | undefined = clusterSpecSchema;
  for (const segment of fieldPath) {
    schema = unwrap(schema);
    const def = schema?._zod.def;
    if (def?.type === 'object') schema = (def as z.core.$ZodObjectDef).shape[segment as string];
    else if (def?.type === 'array') schema = (def as z.core.$ZodArrayDef).element;
    else if (def?.type === 'record') schema = (def as z.core.$ZodRecordDef).valueType;
    else return [];
  }
  const def = unwrap(schema)?._zod.def;
  return def?.type === 'object' ? Object.keys((def as z.core.$ZodObjectDef).shape) : [];
}

function unwrap(schema: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  let current = schema;
  for (;;) {
    const def = current?._zod.def;
    if (def?.type === 'optional' || def?.type === 'default' || def?.type === 'nullable') {
      current = (def as z.core.$ZodOptionalDef).innerType;
    } else if (def?.type === 'pipe') {
      current = (def as z.core.$ZodPipeDef).in;
    } else {
      return current;
    }
  }
}
