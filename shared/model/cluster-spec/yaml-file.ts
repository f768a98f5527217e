/**
 * The YAML machinery specs and manifests share, without any schema: a file's size and UTF-8 checked
 * before it is parsed, one linear walk for duplicate and reserved keys, depth and aliases, and every
 * problem located at its file, line, column and field path. Bundles that ship pre-validated specs
 * (scripts/esbuild/prevalidated-specs.cjs) keep this module and leave the spec schema out.
 */
import { isUtf8 } from 'node:buffer';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import type { Document, Node as YamlNode, Pair, YAMLMap } from 'yaml';
import type { SpecIssue } from '../../errors';

export type PathSegment = string | number;

/**
 * A spec is a page of YAML, not a data set: anything larger is refused before it is parsed. The
 * largest spec file read is 256 KiB, some 60 times the largest example. yaml's parse takes about
 * 20 µs per line, so a spec of this size parses in well under a second however it is written.
 */
export const MAX_SPEC_BYTES = 262_144;
/** A manifest file may hold what a ConfigMap or a CRD holds: up to the API server's 1 MiB request. */
export const MAX_MANIFEST_BYTES = 1_048_576;
/** Deeper than any spec field nests, shallow enough that no walk can exhaust the stack. */
export const MAX_SPEC_DEPTH = 32;
/** Anchors are welcome for repeated node groups; this many aliases is an expansion attack. */
export const MAX_SPEC_ALIASES = 100;
/** Issues reported for one spec, each with its place; the rest are counted in one more line. */
export const MAX_REPORTED_ISSUES = 50;
/** Keys that would reach an object's prototype rather than become fields. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** What a YAML file may cost before it is refused: its size, its nesting, its aliases (per document). */
export interface YamlLimits {
  /** How messages name the file: "a spec", "a manifest file". */
  noun: string;
  maxBytes: number;
  maxDepth: number;
  maxAliases: number;
}

/** The limits of a cluster spec file. */
export const SPEC_LIMITS: Readonly<YamlLimits> = { noun: 'a spec', maxBytes: MAX_SPEC_BYTES, maxDepth: MAX_SPEC_DEPTH, maxAliases: MAX_SPEC_ALIASES };

/**
 * The limits of one Kubernetes manifest file: the spec's. etcd refuses an object over 1.5 MiB, and
 * no object's fields nest 32 levels deep.
 */
export const MANIFEST_LIMITS: Readonly<YamlLimits> = { ...SPEC_LIMITS, noun: 'a manifest file', maxBytes: MAX_MANIFEST_BYTES };

/**
 * A SpecIssue at a field of a spec file's text, located as the validator locates its own.
 *
 * @example
 * specIssueAt(text, 'cluster.yaml', ['workloads', 0, 'manifests'], 'no such folder'); // { line: 41, column: 16, path: 'workloads[0].manifests', ... }
 */
export function specIssueAt(text: string, file: string, fieldPath: readonly PathSegment[], message: string): SpecIssue {
  const lineCounter = new LineCounter();
  const [document] = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const offset = document === undefined ? 0 : locate(document.contents, fieldPath, 'value');
  const { line, col } = lineCounter.linePos(offset);
  return { file, line, column: col, path: formatPath(fieldPath), message };
}

/** The text of a file's bytes, or the issue that refuses them: too large, or not UTF-8. */
export function decodeFile(bytes: Buffer, file: string, limits: YamlLimits): string | SpecIssue {
  if (bytes.length > limits.maxBytes) {
    return { file, line: 0, column: 0, path: '', message: `the file is ${bytes.length} bytes; ${limits.noun} may be at most ${limits.maxBytes}` };
  }
  const text = bytes.toString('utf8');
  if (!isUtf8(bytes)) {
    // The decoder put U+FFFD where the first bad byte was.
    const before = text.slice(0, Math.max(0, text.indexOf('\uFFFD'))).split('\n');
    return { file, line: before.length, column: (before.at(-1)?.length ?? 0) + 1, path: '', message: 'the file is not valid UTF-8' };
  }
  return text;
}

/** One document of a multi-document YAML file, as plain data, and where it starts. */
export interface YamlDocumentValue {
  value: unknown;
  line: number;
  column: number;
}

/**
 * Parses a multi-document YAML file (Kubernetes manifests) under the same limits and the same
 * linear-cost walk as a spec: the file's size and UTF-8 first (when given its bytes), then per
 * document its syntax, duplicate and reserved keys, depth and aliases. A document with issues is
 * left out of `documents`; empty documents are left out too. Never throws on what the file holds.
 *
 * @example
 * const { documents, issues } = parseYamlDocuments(await readFile(file), file, MANIFEST_LIMITS);
 * issues.map(formatSpecIssue); // ['manifests/web.yaml:12:3 metadata.name: duplicate key "name" (first at line 11)']
 */
export function parseYamlDocuments(
  source: string | Buffer,
  file: string,
  limits: Readonly<YamlLimits> = MANIFEST_LIMITS,
): { documents: YamlDocumentValue[]; issues: SpecIssue[] } {
  const text = typeof source === 'string' ? source : decodeFile(source, file, limits);
  if (typeof text !== 'string') return { documents: [], issues: [text] };
  const lineCounter = new LineCounter();
  const at = atIn(lineCounter, file);
  if (Buffer.byteLength(text) > limits.maxBytes)
    return { documents: [], issues: [at(0, '', `the text is ${Buffer.byteLength(text)} bytes; ${limits.noun} may be at most ${limits.maxBytes}`)] };
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  if (!Array.isArray(parsed)) return { documents: [], issues: [] };
  const documents: YamlDocumentValue[] = [];
  const issues: SpecIssue[] = [];
  for (const document of parsed) {
    const syntax = document.errors.map((error) => at(error.pos[0], '', `YAML syntax: ${firstLine(error.message)}`));
    const found = syntax.length > 0 ? syntax : structureIssues(document.contents, at, limits);
    if (found.length > 0) {
      issues.push(...found);
      continue;
    }
    const plain = toPlain(document, at, limits);
    if ('issue' in plain) {
      issues.push(plain.issue);
      continue;
    }
    if (plain.value === null || plain.value === undefined) continue;
    const { line, col } = lineCounter.linePos(document.range[0]);
    documents.push({ value: plain.value, line, column: col });
  }
  return { documents, issues };
}

/** A document as plain data, or the issue when its aliases expand too far (yaml's ReferenceError). */
export function toPlain(document: Document.Parsed, at: At, limits: Readonly<YamlLimits>): { value: unknown } | { issue: SpecIssue } {
  try {
    return { value: document.toJS({ maxAliasCount: limits.maxAliases }) };
  } catch (error) {
    return {
      issue: at(
        rangeStart(document.contents) ?? document.range[0],
        '',
        `YAML aliases expand too far: ${error instanceof Error ? error.message : String(error)}`,
      ),
    };
  }
}

export type At = (offset: number, fieldPath: string, message: string) => SpecIssue;

export function atIn(lineCounter: LineCounter, file: string): At {
  return (offset, fieldPath, message) => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col, path: fieldPath, message };
  };
}

/** `issues`, the first of `total`, and one more line counting those not listed. */
export function withRestCounted(issues: SpecIssue[], total: number, file: string): SpecIssue[] {
  const rest = total - issues.length;
  if (rest <= 0) return issues;
  return [...issues, { file, line: 0, column: 0, path: '', message: `and ${rest} more ${rest === 1 ? 'issue' : 'issues'} not listed` }];
}

/**
 * What the YAML's shape gets wrong before any field is looked at, in one walk over its nodes:
 * duplicate keys, reserved keys (`__proto__`, `constructor`, `prototype`), nesting deeper than
 * {@link MAX_SPEC_DEPTH}, more than {@link MAX_SPEC_ALIASES} aliases.
 */
export function structureIssues(root: unknown, at: At, limits: Readonly<YamlLimits>): SpecIssue[] {
  const issues: SpecIssue[] = [];
  let aliases = 0;
  const stack: { node: unknown; path: PathSegment[] }[] = [{ node: root, path: [] }];
  while (stack.length > 0) {
    const { node, path: nodePath } = stack.pop() ?? { node: undefined, path: [] };
    if (nodePath.length > limits.maxDepth) {
      issues.push(at(rangeStart(node) ?? 0, formatPath(nodePath), `nested deeper than ${limits.maxDepth} levels`));
      continue;
    }
    if (isAlias(node)) {
      aliases += 1;
      if (aliases === limits.maxAliases + 1) issues.push(at(rangeStart(node) ?? 0, formatPath(nodePath), `more than ${limits.maxAliases} YAML aliases`));
    } else if (isMap(node)) {
      // Offsets, not lines, while walking: a line is looked up only for a duplicate, and only a
      // value that can hold more (a map, a list, an alias) is walked into.
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        const keyAt = rangeStart(pair.key) ?? rangeStart(node) ?? 0;
        if (key === undefined) {
          issues.push(at(keyAt, formatPath(nodePath), 'a key must be a plain value, not a list or a map'));
          continue;
        }
        const first = seen.get(key);
        if (first !== undefined) issues.push(at(keyAt, formatPath([...nodePath, key]), `duplicate key "${key}" (first at line ${String(lineOf(at, first))})`));
        else seen.set(key, keyAt);
        if (RESERVED_KEYS.has(key)) issues.push(at(keyAt, formatPath([...nodePath, key]), `"${key}" is a reserved name and cannot be a key`));
        if (!isScalar(pair.value)) stack.push({ node: pair.value, path: [...nodePath, key] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        if (!isScalar(item)) stack.push({ node: item, path: [...nodePath, index] });
      });
    }
  }
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

function lineOf(at: At, offset: number): number {
  return at(offset, '', '').line;
}

/** The offset of the node at `fieldPath`, or of its nearest ancestor that exists (for a missing field). */
export function locate(root: unknown, fieldPath: readonly PathSegment[], part: 'key' | 'value'): number {
  let node = root;
  let offset = rangeStart(root) ?? 0;
  for (const [index, segment] of fieldPath.entries()) {
    if (isMap(node)) {
      const pair = pairsOf(node).get(String(segment));
      if (pair === undefined) return offset;
      if (part === 'key' && index === fieldPath.length - 1) return rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
    } else {
      return offset;
    }
    offset = rangeStart(node) ?? offset;
  }
  return offset;
}

/** A map's pairs by key, built once per map: locating every issue of a 100,000-key map stays linear. */
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairsOf(node: YAMLMap): Map<string, Pair> {
  let index = pairIndex.get(node);
  if (index === undefined) {
    index = new Map();
    for (const item of node.items) {
      const key = isScalar(item.key) ? String(item.key.value) : undefined;
      if (key !== undefined && !index.has(key)) index.set(key, item);
    }
    pairIndex.set(node, index);
  }
  return index;
}

export function rangeStart(node: unknown): number | undefined {
  return (node as YamlNode | null | undefined)?.range?.[0];
}

/** `nodeGroups[1].scaling.min`. */
export function formatPath(fieldPath: readonly PathSegment[]): string {
  return fieldPath.reduce<string>((text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${segment}` : segment), '');
}

export function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
