/**
 * Applying a cluster's platform components: server-side apply of the rendering, in order (every
 * Namespace first), as the platform's own role, whose access entry is cluster-scoped. The worker
 * applies a cluster's platform before the first workload it deploys there in a container's life,
 * and again on every scheduled run (an unchanged apply changes nothing), so a workload finds its
 * namespace, and the controllers its objects need, already there.
 */
import { errorFacts } from '../../../shared/errors';
import type { KubernetesPort } from '../../../shared/ports/kubernetes';
import type { RunLogger } from '../../../shared/reconcile/run-logger';
import type { Status } from '../../../shared/reconcile/status';
import type { BrokenPlatform, PlatformTarget } from '../model/platform';
import { renderPlatform } from '../model/platform';
import { describeObject } from '../model/manifests';
import { APPLY_OPTIONS } from '../model/render';
import { forbidden, isTransient } from './apply';

/** What applying one cluster's platform did. */
export interface PlatformReport {
  cluster: string;
  /** Converged: every object applied; Blocked: an object was refused (the reason says which, and the permission for a 403). */
  status: Extract<Status, 'Converged' | 'Blocked'>;
  /** `Kind namespace/name` of every object applied, in order. */
  applied: string[];
  reason?: string;
}

/** Applies platforms; one per worker container, so what it remembers lasts the container's life. */
export interface PlatformRunner {
  /** Applies the cluster's platform unless this container applied it already; undefined when the cluster has none. */
  ensure(cluster: string): Promise<PlatformReport | undefined>;
  /**
   * Applies the cluster's platform now; one that cannot be applied (an unpinned image, a missing
   * folder) is a Blocked report naming why; undefined when the cluster has none.
   */
  apply(cluster: string): Promise<PlatformReport | undefined>;
  /** Applies every platform of the specs, one cluster at a time. */
  applyAll(): Promise<PlatformReport[]>;
}

export interface PlatformDeps {
  platforms(): Promise<PlatformTarget[]>;
  /** The platforms of the specs that cannot be applied, each with why (model/platform.ts, platformsOf). Absent: none. */
  broken?(): Promise<BrokenPlatform[]>;
  /** The Kubernetes port of a cluster as the platform's role (`roleArn`). */
  connect(platform: PlatformTarget): Promise<KubernetesPort>;
  logger: RunLogger;
}

/**
 * A {@link PlatformRunner} over the specs' platforms. A transient failure (throttled, unreachable,
 * a 401) is thrown, so the queue message or the schedule tries again; anything else is a Blocked
 * report, logged, and not remembered as applied.
 *
 * @example
 * const platform = createPlatformRunner({ platforms: async () => (await loadPlatforms(paths)).platforms, connect, logger });
 * await platform.ensure('kianax'); // { cluster: 'kianax', status: 'Converged', applied: ['Namespace kianax', ...] }
 */
export function createPlatformRunner(deps: PlatformDeps, applied: Set<string> = new Set()): PlatformRunner {
  const apply = async (cluster: string): Promise<PlatformReport | undefined> => {
    const platform = (await deps.platforms()).find((item) => item.cluster === cluster);
    if (platform === undefined) return brokenReport(cluster, (await deps.broken?.()) ?? [], deps.logger);
    const report = await applyPlatform(platform, await deps.connect(platform), deps.logger);
    if (report.status === 'Converged') applied.add(cluster);
    else applied.delete(cluster);
    return report;
  };
  return {
    apply,
    ensure: async (cluster) => (applied.has(cluster) ? undefined : apply(cluster)),
    applyAll: async () => {
      const reports: PlatformReport[] = [];
      for (const platform of await deps.platforms()) {
        const report = await apply(platform.cluster);
        if (report !== undefined) reports.push(report);
      }
      return reports;
    },
  };
}

/**
 * Applies one platform's rendering in order; stops at the first object refused.
 *
 * @example
 * await applyPlatform(platform, k8s, logger); // { cluster: 'kianax', status: 'Converged', applied: [...] }
 */
export async function applyPlatform(platform: PlatformTarget, k8s: KubernetesPort, logger: RunLogger): Promise<PlatformReport> {
  const facts = { cluster: platform.cluster, components: platform.components.map((component) => component.spec.name) };
  const applied: string[] = [];
  for (const object of renderPlatform(platform)) {
    try {
      await k8s.apply(object, APPLY_OPTIONS);
      applied.push(describeObject(object));
    } catch (error) {
      if (isTransient(error)) throw error;
      const denied = forbidden(error);
      const reason =
        denied === undefined
          ? `${describeObject(object)}: ${error instanceof Error ? error.message : String(error)}`
          : `forbidden: the platform role ${platform.roleArn} lacks the permission to ${denied.permission}; give its access entry a cluster-scoped policy (${denied.message})`;
      logger.error('platform apply refused', { ...facts, object: describeObject(object), reason, error: errorFacts(error) });
      return { cluster: platform.cluster, status: 'Blocked', applied, reason };
    }
  }
  logger.info('platform applied', { ...facts, objects: applied.length });
  return { cluster: platform.cluster, status: 'Converged', applied };
}

/** A cluster's platform that cannot be applied, as a Blocked report naming each component and why; undefined when none is broken. */
function brokenReport(cluster: string, broken: readonly BrokenPlatform[], logger: RunLogger): PlatformReport | undefined {
  const mine = broken.filter((item) => item.cluster === cluster);
  if (mine.length === 0) return undefined;
  // One line: the manifests' problems come one per line (file:line: ...).
  const problems = mine.map((item) => `component ${item.component}: ${item.reason.replace(/:?\s*\n\s*/g, ': ')}`);
  const reason = `no object applied (a platform applies whole or not at all): ${problems.join('; ')}`;
  logger.error('platform cannot be applied', { cluster, components: mine.map((item) => item.component), source: mine[0]?.source, reason });
  return { cluster, status: 'Blocked', applied: [], reason };
}
