/**
 * The spec checks that need what only deploy has: the workloads' manifests, and the linear-time
 * tag matcher. Run by deploy when it reads each workload (the functions and the CLI alike); a
 * failure is a SpecError at the spec's field, and the workload is broken until it is fixed.
 */
import { readFile } from 'node:fs/promises';
import { SpecError } from '../errors';
import type { SpecIssue } from '../errors';
import { specIssueAt } from './load';
import type { ClusterSpec } from './schema';
import { re2Problem } from './tag-match';

type PathSegment = string | number;

/** A problem at a field of the spec. */
export interface FieldProblem {
  path: PathSegment[];
  message: string;
}

/**
 * What is wrong with workload `index` of a spec that only deploy can tell: a regex rule RE2 does not take.
 *
 * @example
 * workloadProblems(spec, 0); // [{ path: ['workloads', 0, 'images', 0, 'tags', 1, 'regex'], message: 'RE2 does not take it ...' }]
 */
export function workloadProblems(spec: ClusterSpec, index: number): FieldProblem[] {
  const workload = spec.workloads[index];
  if (workload === undefined) return [];
  const problems: FieldProblem[] = [];
  workload.images.forEach((image, imageIndex) => {
    image.tags.forEach((rule, ruleIndex) => {
      const problem = rule.regex === undefined ? undefined : re2Problem(rule.regex);
      if (problem !== undefined) problems.push({ path: ['workloads', index, 'images', imageIndex, 'tags', ruleIndex, 'regex'], message: problem });
    });
  });
  return problems;
}

/**
 * {@link workloadProblems} as the SpecError deploy reports (file, line, column and field of each),
 * or undefined when there are none. Reads the spec file only when there is something to locate.
 *
 * @example
 * const error = await workloadSpecError('specs/shop.yaml', spec, 0);
 * error?.message; // 'specs/shop.yaml:31:18 workloads[0].images[0].tags[1].regex: RE2 does not take it ...'
 */
export async function workloadSpecError(file: string, spec: ClusterSpec, index: number): Promise<SpecError | undefined> {
  const problems = workloadProblems(spec, index);
  if (problems.length === 0) return undefined;
  const text = await readFile(file, 'utf8');
  const issues: SpecIssue[] = problems.map((problem) => specIssueAt(text, file, problem.path, problem.message));
  return new SpecError(issues.sort((a, b) => a.line - b.line || a.column - b.column));
}
