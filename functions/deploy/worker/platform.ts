/**
 * Applying a cluster's platform components: server-side apply of the rendering, in order (every
 * Namespace first), as the platform's own role, whose access entry is cluster-scoped. The worker
 * applies a cluster's platform before the first workload it deploys there in a container's life,
 * and again on every scheduled run (an unchanged apply changes nothing), so a workload finds its
 * namespace, and the controllers its objects need, already there.
 */
import { errorFacts } from '../../../shared/errors';
import type { KubernetesObject, KubernetesPort } from '../../../shared/ports/kubernetes';
import { KubernetesNotFoundError } from '../../../shared/ports/kubernetes-errors';
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
 * How long an object of a kind that a CustomResourceDefinition of the same run defines may wait for
 * the API server to serve that kind: until then (the CRD's `Established` condition, Kubernetes docs
 * "Extend the Kubernetes API with CustomResourceDefinitions") an apply of it answers 404 with no
 * object named.
 */
export const CRD_SERVED = { attempts: 10, delayMs: 1000 } as const;

/** Waits `ms` milliseconds; a parameter so that tests wait for nothing. */
export type Sleep = (ms: number) => Promise<void>;

const sleepFor: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Applies one platform's rendering in order; stops at the first object refused. An object of a kind
 * a CRD of this rendering defines is applied again (up to {@link CRD_SERVED}) while the API server
 * does not serve that kind yet.
 *
 * @example
 * await applyPlatform(platform, k8s, logger); // { cluster: 'kianax', status: 'Converged', applied: [...] }
 */
export async function applyPlatform(platform: PlatformTarget, k8s: KubernetesPort, logger: RunLogger, sleep: Sleep = sleepFor): Promise<PlatformReport> {
  const facts = { cluster: platform.cluster, components: platform.components.map((component) => component.spec.name) };
  const applied: string[] = [];
  const defined = new Set<string>();
  for (const object of renderPlatform(platform)) {
    try {
      await applyOnceServed(object, k8s, defined, sleep);
      applied.push(describeObject(object));
      const kind = crdKind(object);
      if (kind !== undefined) defined.add(kind);
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

/** Applies `object`; while its kind is one a CRD of this run defines and is not served yet (404), waits and applies again. */
async function applyOnceServed(object: KubernetesObject, k8s: KubernetesPort, defined: ReadonlySet<string>, sleep: Sleep): Promise<void> {
  const group = object.apiVersion.includes('/') ? object.apiVersion.slice(0, object.apiVersion.indexOf('/')) : '';
  const waits = defined.has(`${group}/${object.kind}`) ? CRD_SERVED.attempts - 1 : 0;
  for (let attempt = 0; ; attempt++) {
    try {
      await k8s.apply(object, APPLY_OPTIONS);
      return;
    } catch (error) {
      if (!(error instanceof KubernetesNotFoundError) || attempt >= waits) throw error;
      await sleep(CRD_SERVED.delayMs);
    }
  }
}

/** `group/Kind` a CustomResourceDefinition defines, or undefined for any other object. */
function crdKind(object: KubernetesObject): string | undefined {
  if (object.kind !== 'CustomResourceDefinition') return undefined;
  const spec = object.spec as { group?: unknown; names?: { kind?: unknown } } | undefined;
  return typeof spec?.group === 'string' && typeof spec.names?.kind === 'string' ? `${spec.group}/${spec.names.kind}` : undefined;
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
