/**
 * The spec checks that need what only deploy has: the workloads' manifests, and the linear-time
 * tag matcher. Run by deploy when it reads each workload (the functions and the CLI alike); a
 * failure is a SpecError at the spec's field, and the workload is broken until it is fixed.
 */
import { readFile } from 'node:fs/promises';
import { SpecError } from '../../errors';
import type { SpecIssue } from '../../errors';
import { specIssueAt } from './load';
import type { ClusterSpec } from './schema';
import { stepRaises } from './runtime';
import { re2Problem } from './tag-match';

type PathSegment = string | number;

/** One object of a workload's manifests and where it came from (deploy's ManifestObject fits). */
export interface ManifestSource {
  object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: unknown };
  file: string;
  line: number;
}

/** An autoscaler's own bounds in the manifests and where they are written. */
interface ManifestBounds {
  min: number;
  max: number;
  minField: string;
  maxField: string;
  where: string;
}

/** A problem at a field of the spec. */
export interface FieldProblem {
  path: PathSegment[];
  message: string;
}

/**
 * What is wrong with workload `index` of a spec that only deploy can tell: a regex rule RE2 does
 * not take; a scaling rule whose ceiling or floor for an HPA disagrees with the bounds the
 * workload's own manifests give that HPA (or the KEDA ScaledObject that makes it), as a node
 * group's ceiling may not sit below the spec's maxSize.
 *
 * @example
 * workloadProblems(spec, 0, objects); // [{ path: ['workloads', 0, 'images', 0, 'tags', 1, 'regex'], message: 'RE2 does not take it ...' }]
 */
export function workloadProblems(spec: ClusterSpec, index: number, objects: readonly ManifestSource[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  spec.workloads[index]?.images.forEach((image, imageIndex) => {
    image.tags.forEach((rule, ruleIndex) => {
      const problem = rule.regex === undefined ? undefined : re2Problem(rule.regex);
      if (problem !== undefined) problems.push({ path: ['workloads', index, 'images', imageIndex, 'tags', ruleIndex, 'regex'], message: problem });
    });
  });
  problems.push(...scalingProblems(spec, objects));
  return problems;
}

/** The scaling rules' HPA ceilings and floors against the HPAs and ScaledObjects in `objects`. */
function scalingProblems(spec: ClusterSpec, objects: readonly ManifestSource[]): FieldProblem[] {
  const bounds = autoscalerBounds(objects);
  const problems: FieldProblem[] = [];
  spec.scalingRules.forEach((rule, ruleIndex) => {
    rule.hpas.forEach((target, at) => {
      const own = bounds.get(`${target.namespace}/${target.name}`);
      if (own === undefined) return;
      const path = ['scalingRules', ruleIndex, 'hpas', at];
      const hpa = `HPA ${target.namespace}/${target.name}`;
      const max = target.maxReplicas;
      if (max !== undefined) {
        if (stepRaises(max) && max.ceiling !== undefined && max.ceiling < own.max) {
          problems.push({
            path: [...path, 'maxReplicas', 'ceiling'],
            message: `ceiling (${max.ceiling}) is below ${own.maxField} (${own.max}) of ${hpa} in ${own.where}: on ALARM it would lower it`,
          });
        }
        if (!stepRaises(max) && max.floor !== undefined && max.floor > own.max) {
          problems.push({
            path: [...path, 'maxReplicas', 'floor'],
            message: `floor (${max.floor}) is above ${own.maxField} (${own.max}) of ${hpa} in ${own.where}: on ALARM it would raise it`,
          });
        }
      }
      const min = target.minReplicas;
      if (min !== undefined) {
        if (stepRaises(min) && min.ceiling !== undefined && min.ceiling < own.min) {
          problems.push({
            path: [...path, 'minReplicas', 'ceiling'],
            message: `ceiling (${min.ceiling}) is below ${own.minField} (${own.min}) of ${hpa} in ${own.where}: on ALARM it would lower it`,
          });
        }
        if (!stepRaises(min) && min.floor !== undefined && min.floor > own.min) {
          problems.push({
            path: [...path, 'minReplicas', 'floor'],
            message: `floor (${min.floor}) is above ${own.minField} (${own.min}) of ${hpa} in ${own.where}: on ALARM it would raise it`,
          });
        }
      }
    });
  });
  return problems;
}

/**
 * `namespace/name` of each HPA the manifests define, with its bounds: an HPA's own (minReplicas
 * defaults to 1, Kubernetes API reference), or those of the KEDA ScaledObject that creates it
 * under `advanced.horizontalPodAutoscalerConfig.name`, by default `keda-hpa-<name>`
 * (minReplicaCount defaults to 0, maxReplicaCount to 100; KEDA docs, "Scaling Deployments").
 */
function autoscalerBounds(objects: readonly ManifestSource[]): Map<string, ManifestBounds> {
  const bounds = new Map<string, ManifestBounds>();
  for (const { object, file, line } of objects) {
    const spec = fields(object.spec);
    const namespace = object.metadata.namespace ?? '';
    const where = `${file}:${line}`;
    if (object.kind === 'HorizontalPodAutoscaler' && object.apiVersion.startsWith('autoscaling/') && typeof spec.maxReplicas === 'number') {
      const min = typeof spec.minReplicas === 'number' ? spec.minReplicas : 1;
      bounds.set(`${namespace}/${object.metadata.name}`, { min, max: spec.maxReplicas, minField: 'minReplicas', maxField: 'maxReplicas', where });
    } else if (object.kind === 'ScaledObject' && object.apiVersion.startsWith('keda.sh/')) {
      const configured = fields(fields(spec.advanced).horizontalPodAutoscalerConfig).name;
      const name = typeof configured === 'string' && configured !== '' ? configured : `keda-hpa-${object.metadata.name}`;
      const min = typeof spec.minReplicaCount === 'number' ? spec.minReplicaCount : 0;
      const max = typeof spec.maxReplicaCount === 'number' ? spec.maxReplicaCount : 100;
      bounds.set(`${namespace}/${name}`, { min, max, minField: 'minReplicaCount', maxField: 'maxReplicaCount', where });
    }
  }
  return bounds;
}

function fields(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * {@link workloadProblems} as the SpecError deploy reports (file, line, column and field of each),
 * or undefined when there are none. Reads the spec file only when there is something to locate.
 *
 * @example
 * const error = await workloadSpecError('specs/shop.yaml', spec, 0, objects);
 * error?.message; // 'specs/shop.yaml:31:18 workloads[0].images[0].tags[1].regex: RE2 does not take it ...'
 */
export async function workloadSpecError(file: string, spec: ClusterSpec, index: number, objects: readonly ManifestSource[]): Promise<SpecError | undefined> {
  const problems = workloadProblems(spec, index, objects);
  if (problems.length === 0) return undefined;
  const text = await readFile(file, 'utf8');
  const issues: SpecIssue[] = problems.map((problem) => specIssueAt(text, file, problem.path, problem.message));
  return new SpecError(issues.sort((a, b) => a.line - b.line || a.column - b.column));
}
