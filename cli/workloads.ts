/**
 * Workloads as the CLI shows them: each one rendered at the images it would run (deploy's own
 * planWorkload), with its drift against the cluster when there is one to read.
 */
import { stringify } from 'yaml';
import type { PlanReport } from '../functions/deploy/model/preview';
import { planWorkload } from '../functions/deploy/worker/drift';
import { containerImages, describeObject } from '../functions/deploy/model/manifests';
import type { DeployTarget } from '../functions/deploy/model/targets';
import type { KubernetesPort } from '../shared/ports/kubernetes';
import { oneLine } from './output';

/** A workload's plan, or why it could not be made. */
export interface WorkloadView {
  cluster: string;
  workload: string;
  /** False offline (or when the cluster could not be reached): there is no cluster to compare with. */
  live: boolean;
  plan?: PlanReport;
  /** Live, but the cluster's Kubernetes API could not be reached: `plan` is the offline rendering. */
  unreachable?: string;
  error?: string;
}

/**
 * Plans every target, offline (`connect` undefined) or against its cluster. A workload whose cluster
 * cannot be reached (not created yet, no network, no access) is rendered offline and marked
 * unreachable; the others are still planned.
 *
 * @example
 * const views = await planWorkloads(targets, undefined, new Date()); // offline
 */
export async function planWorkloads(
  targets: readonly DeployTarget[],
  connect: ((target: DeployTarget) => Promise<KubernetesPort>) | undefined,
  now: Date,
): Promise<WorkloadView[]> {
  const views: WorkloadView[] = [];
  for (const target of targets) {
    const base = { cluster: target.cluster, workload: target.workload.name, live: connect !== undefined };
    try {
      views.push({ ...base, plan: await planWorkload(target, connect === undefined ? { now } : { k8s: await connect(target), now }) });
    } catch (error) {
      try {
        views.push({ ...base, live: false, unreachable: oneLine(error), plan: await planWorkload(target, { now }) });
      } catch (offline) {
        views.push({ ...base, error: oneLine(offline) });
      }
    }
  }
  return views;
}

/** Whether applying the view would change the cluster: offline, any object; live, any drift. */
export function workloadChanges(view: WorkloadView): boolean {
  if (view.plan === undefined) return false;
  return view.live ? view.plan.drift.length > 0 : view.plan.objects.length > 0;
}

/**
 * The workloads section of a cluster: one block per workload, each object with the images it would run.
 *
 * @example
 * renderWorkloads({ name: 'crypto-oms', region: 'eu-west-1' }, views);
 * // Workloads of crypto-oms (eu-west-1)
 * //   crypto-oms: 12 objects, offline: every object would be applied
 * //     Deployment crypto-oms/order-ingestion  order-ingestion=ghcr.io/crypto-oms/order-ingestion:1.0.0
 */
export function renderWorkloads(spec: { name: string; region: string }, views: readonly WorkloadView[], options: { objects?: boolean } = {}): string {
  const lines = [`Workloads of ${spec.name} (${spec.region})`];
  if (views.length === 0) lines.push('  None: the spec has no workloads section.');
  for (const view of views) lines.push(...workloadLines(view, options.objects ?? false));
  return `${lines.join('\n')}\n`;
}

function workloadLines(view: WorkloadView, withObjects: boolean): string[] {
  if (view.plan === undefined) return [`  ${view.workload}: error: ${view.error ?? 'unknown error'}`];
  const { plan } = view;
  const outcome =
    view.unreachable !== undefined
      ? `cluster unreachable (${view.unreachable}); rendered offline: every object would be applied`
      : !view.live
        ? 'offline: every object would be applied'
        : plan.drift.length === 0
          ? 'in sync with the cluster'
          : `${plan.drift.length} drifted`;
  const lines = [`  ${view.workload}: ${plan.objects.length} objects, ${outcome}`];
  for (const object of plan.objects) {
    const images = containerImages(object).map((image) => `${image.container}=${image.image}`);
    lines.push(`    ${describeObject(object)}${images.length > 0 ? `  ${images.join(' ')}` : ''}`);
  }
  for (const change of plan.images) lines.push(`    image ${change.object} ${change.container}: ${change.from} -> ${change.to}`);
  for (const drift of plan.drift) lines.push(`    drift ${drift}`);
  if (withObjects) {
    lines.push('    ---');
    for (const object of plan.objects)
      lines.push(
        ...stringify(object)
          .trimEnd()
          .split('\n')
          .map((line) => `    ${line}`),
        '    ---',
      );
  }
  return lines;
}
