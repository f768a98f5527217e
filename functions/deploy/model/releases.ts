/**
 * Releases, kept in the cluster the way Helm keeps its own: one ConfigMap per workload,
 * `eks-pilot-releases-<workload>`, in the workload's namespace, labelled with the ownership label,
 * holding the history as JSON (newest last). It survives cold starts, needs no table and no IAM
 * beyond the access entry deploy already has, and goes with the cluster. One writer at a time per
 * workload is guaranteed by the FIFO message group.
 *
 * The history is capped ({@link capHistory}) so that it can never forget what runs: the running
 * release and the last succeeded one are always kept, refusals have a cap of their own (and repeated
 * refusals of one tag are one record with a count), so no number of refused pushes pushes out an
 * applied release.
 *
 * With a durable store (shared/ports/release-store.ts, DynamoDB in the account) the history is also
 * kept outside the cluster, so it outlives it: written there first, then to the ConfigMap, which
 * stays for kubectl users. The durable copy is the one read (it is never behind the ConfigMap); a
 * ConfigMap write that fails after the durable one landed is logged and repaired by the next write
 * (every write carries the whole history), so a deploy is never reported before its record is in
 * the account. Records read from either place are trusted only as far as the workload's image
 * policies take their images (plan.ts, `imagesRefusal`).
 */
import * as z from 'zod/mini';
import type { KubernetesObject, KubernetesPort } from '../../../shared/ports/kubernetes';
import type { ReleaseKey, ReleaseStorePort } from '../../../shared/ports/release-store';
import { errorFacts } from '../../../shared/errors';
import { OWNER_LABEL } from '../../../shared/model/cluster-spec/runtime';
import { validItems } from '../../../shared/model/json-items';
import type { PinnedImage } from './images';
import { parsePinned } from './images';
import { containerImages } from './manifests';
import { APPLY_OPTIONS, MANAGED_BY } from './render';
import type { DeployTarget } from './targets';

/** Applied releases kept per workload: a ConfigMap holds 1 MiB, a record is about 1 KB. */
export const MAX_RELEASES = 50;

/** Refusal records kept per workload, on top of {@link MAX_RELEASES}: refusals never push out a release. */
export const MAX_REFUSALS = 20;

/** Digests remembered on one coalesced refusal, so a replay of any of them is known. */
export const MAX_REFUSED_DIGESTS = 50;

/** The data key of the history in the ConfigMap. */
export const RELEASES_KEY = 'releases.json';

/** What a release record was: a push or manual deploy, a rollback, or a restore after a rebuild of the cluster. */
export const RELEASE_KINDS = ['deploy', 'rollback', 'restore'] as const;

/**
 * `waiting`, `released` and `rejected` belong to a held release (one with `hold`): it waits for an
 * approval or the end of a freeze, and is then released as a new release, rejected, or superseded
 * by a newer push. A held release was never applied.
 */
export const RELEASE_RESULTS = ['progressing', 'succeeded', 'failed', 'rolled-back', 'superseded', 'refused', 'waiting', 'released', 'rejected'] as const;
export type ReleaseResult = (typeof RELEASE_RESULTS)[number];

const pinnedSchema = z.object({ repository: z.string(), tag: z.string(), digest: z.string() });

/** Who decided, when, and the request that carried it (a Lambda request id, for CloudTrail). */
const decisionSchema = z.object({ by: z.string(), at: z.string(), requestId: z.optional(z.string()) });
export type Decision = z.output<typeof decisionSchema>;

/** Where an image was built from, as a push tells it. */
export const imageSourceSchema = z.object({ repository: z.optional(z.string()), revision: z.optional(z.string()) });
export type ImageSource = z.output<typeof imageSourceSchema>;

export const releaseRecordSchema = z.object({
  revision: z.number().check(z.int(), z.gte(1)),
  cluster: z.string(),
  workload: z.string(),
  kind: z.enum(RELEASE_KINDS),
  /** The image this release brought (a deploy); absent on a rollback, which restores `images` whole. */
  image: z.optional(pinnedSchema),
  /** The pinned image it replaced for that repository (or the manifest's image on a first deploy). */
  replaced: z.optional(z.string()),
  /** Every repository's pinned image after this release: what a rollback to it restores. */
  images: z.record(z.string(), z.string()),
  deliveryId: z.string(),
  startedAt: z.string(),
  finishedAt: z.optional(z.string()),
  result: z.enum(RELEASE_RESULTS),
  reason: z.optional(z.string()),
  /** On a rollback: the release it undid. */
  rollbackOf: z.optional(z.number().check(z.int())),
  /** On a rolled-back release: the rollback that undid it. */
  rolledBackTo: z.optional(z.number().check(z.int())),
  /** When GitHub published the pushed package version (`package_version.updated_at`), for ordering pushes. */
  publishedAt: z.optional(z.string()),
  /** On a refusal: how many times the same refusal came (repeated refusals are one record). */
  count: z.optional(z.number().check(z.int(), z.gte(1))),
  /** On a coalesced refusal: the time and delivery of the latest one. */
  lastAt: z.optional(z.string()),
  lastDeliveryId: z.optional(z.string()),
  /** On a coalesced refusal of a tag: every digest refused under it (the newest {@link MAX_REFUSED_DIGESTS}). */
  digests: z.optional(z.array(z.string())),
  /** The notification events already told of this release (worker/notify.ts): each outcome is told once. */
  notified: z.optional(z.array(z.string())),
  /** On a held release: what held it when it arrived (an approval, a freeze until `frozenUntil`). */
  hold: z.optional(z.object({ approval: z.boolean(), frozenUntil: z.optional(z.string()), window: z.optional(z.string()) })),
  /** On a held release and the release it became: the approval. */
  approval: z.optional(decisionSchema),
  /** On a rejected held release: the rejection. */
  rejection: z.optional(decisionSchema),
  /** A freeze overridden with `force`: on the held release and the release it became, or on a forced deploy. */
  forced: z.optional(decisionSchema),
  /** On a held release that was released: the release it became. */
  releasedAs: z.optional(z.number().check(z.int())),
  /** On a release that was held first: the held release it came from. */
  heldAs: z.optional(z.number().check(z.int())),
  /** Where the pushed image was built from, as the push told (the repository `owner/name`, the commit of its `org.opencontainers.image.revision` label). */
  imageSource: z.optional(imageSourceSchema),
  /** The GitHub deployment of this release (worker/github-status.ts): its id once created, the statuses posted, and what was given up and why. */
  github: z.optional(
    z.object({
      repository: z.optional(z.string()),
      environment: z.optional(z.string()),
      ref: z.optional(z.string()),
      deploymentId: z.optional(z.number().check(z.int())),
      posted: z.array(z.string()),
      skipped: z.optional(z.array(z.object({ state: z.string(), reason: z.string(), at: z.string() }))),
    }),
  ),
});

export type ReleaseRecord = z.output<typeof releaseRecordSchema>;

/**
 * The ConfigMap of a workload's releases: its namespace is the first namespace its manifests use.
 *
 * @example
 * releaseLocation(target); // { namespace: 'crypto-oms', name: 'eks-pilot-releases-crypto-oms' }
 */
export function releaseLocation(target: DeployTarget): { namespace: string; name: string } {
  const namespace = target.objects.map(({ object }) => object.metadata.namespace).find((value) => value !== undefined) ?? namespaceObject(target);
  return { namespace, name: `eks-pilot-releases-${target.workload.name}` };
}

function namespaceObject(target: DeployTarget): string {
  const ns = target.objects.find(({ object }) => object.kind === 'Namespace');
  if (ns === undefined) throw new Error(`workload ${target.workload.name} has no namespaced object to keep its releases next to`);
  return ns.object.metadata.name;
}

/** The durable copy of the history: the store, the clock of its writes, and where a lost ConfigMap write is told. */
export interface DurableReleases {
  store: ReleaseStorePort;
  now(): Date;
  warn(message: string, facts: Record<string, unknown>): void;
}

/**
 * Where a workload's history is in the durable store: its cluster's Region and name, and its name.
 *
 * @example
 * releaseKey(target); // { region: 'us-east-1', cluster: 'crypto-oms', workload: 'crypto-oms' }
 */
export function releaseKey(target: Pick<DeployTarget, 'region' | 'cluster' | 'workload'>): ReleaseKey {
  return { region: target.region, cluster: target.cluster, workload: target.workload.name };
}

/**
 * The records of a stored history text, oldest first; unreadable entries (or text) are skipped.
 *
 * @example
 * parseHistory(configMap.data['releases.json']); // [{ revision: 1, ... }]
 */
export function parseHistory(text: string | undefined): ReleaseRecord[] {
  return validItems(text, releaseRecordSchema);
}

/**
 * Reads and writes a workload's release history: the durable store first when there is one, and
 * the ConfigMap in the cluster through the Kubernetes port.
 *
 * @example
 * const store = new ReleaseStore(k8s, target, { store: dynamoDb, now: () => new Date(), warn: logger.warn });
 * const history = await store.read();
 * await store.write([...history, record]);
 */
export class ReleaseStore {
  private readonly k8s: KubernetesPort;
  private readonly target: DeployTarget;
  private readonly durable: DurableReleases | undefined;
  /** The durable version the last read or write saw: the next write's condition. */
  private version: number | undefined;

  constructor(k8s: KubernetesPort, target: DeployTarget, durable?: DurableReleases) {
    this.k8s = k8s;
    this.target = target;
    this.durable = durable;
  }

  /**
   * The history, oldest first; empty when nothing was deployed yet. Unreadable entries are skipped.
   * With a durable store its copy is read; the ConfigMap only when the store has none yet (a
   * history from before the store, carried into it by the next write).
   */
  async read(): Promise<ReleaseRecord[]> {
    if (this.durable !== undefined) {
      const stored = await this.durable.store.read(releaseKey(this.target));
      this.version = stored?.version ?? 0;
      if (stored !== null) return parseHistory(stored.history);
    }
    return this.readConfigMap();
  }

  /**
   * Writes the history, capped by {@link capHistory}: to the durable store (a conditional write on
   * the version read: ReleaseConflictError when another writer moved it), then with one server-side
   * apply to the ConfigMap. Without a durable store the ConfigMap write is the record and its failure
   * is thrown.
   */
  async write(records: readonly ReleaseRecord[]): Promise<void> {
    const kept = capHistory(records);
    const text = JSON.stringify(kept);
    if (this.durable !== undefined) {
      if (this.version === undefined) throw new Error('ReleaseStore.write before read: the durable write needs the version it replaces');
      const stored = await this.durable.store.write(releaseKey(this.target), text, this.version, this.durable.now());
      this.version = stored.version;
    }
    const { namespace, name } = releaseLocation(this.target);
    const configMap: KubernetesObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace, labels: { [OWNER_LABEL]: this.target.workload.name, [MANAGED_BY.key]: MANAGED_BY.value, 'eks-pilot.io/releases': 'v1' } },
      data: { [RELEASES_KEY]: text },
    };
    try {
      await this.k8s.apply(configMap, APPLY_OPTIONS);
    } catch (error) {
      if (this.durable === undefined) throw error;
      // The record is in the account already; the next write carries the whole history to the ConfigMap again.
      this.durable.warn('in-cluster release record not written; the durable store has it', {
        cluster: this.target.cluster,
        workload: this.target.workload.name,
        configMap: `${namespace}/${name}`,
        error: errorFacts(error),
      });
    }
  }

  private async readConfigMap(): Promise<ReleaseRecord[]> {
    const { namespace, name } = releaseLocation(this.target);
    const configMap = await this.k8s.get('v1', 'ConfigMap', namespace, name);
    return parseHistory((configMap?.data as Record<string, string> | undefined)?.[RELEASES_KEY]);
  }
}

/**
 * The images the manifests name for the repositories the workload has policies for: what runs before any release.
 *
 * @example
 * manifestImages(target)['ghcr.io/crypto-oms/order-ingestion']; // 'ghcr.io/crypto-oms/order-ingestion:v1.0.0'
 */
export function manifestImages(target: DeployTarget): Record<string, string> {
  const images: Record<string, string> = {};
  for (const { object } of target.objects) {
    for (const { image, repository } of containerImages(object))
      if (target.workload.images.some((policy) => policy.repository === repository)) images[repository] ??= image;
  }
  return images;
}

/** The releases that were applied to the cluster (a refused or held one never was). */
export function applied(records: readonly ReleaseRecord[]): ReleaseRecord[] {
  return records.filter(isApplied);
}

/**
 * Whether a record is of a release that was applied: not refused, not held.
 *
 * @example
 * isApplied({ ...record, result: 'waiting', hold: { approval: true } }); // false
 */
export function isApplied(record: ReleaseRecord): boolean {
  return record.result !== 'refused' && record.hold === undefined;
}

/**
 * The held release that waits (at most one per workload: a newer push supersedes it).
 *
 * @example
 * waitingRelease(history)?.reason; // 'approval required'
 */
export function waitingRelease(records: readonly ReleaseRecord[]): ReleaseRecord | undefined {
  return records.filter((record) => record.result === 'waiting').at(-1);
}

/**
 * The release that runs: the newest applied one (undefined before the first release).
 *
 * @example
 * runningRelease(history)?.revision; // 4
 */
export function runningRelease(records: readonly ReleaseRecord[]): ReleaseRecord | undefined {
  return applied(records).at(-1);
}

/**
 * The history as it is stored, pure: the newest {@link MAX_RELEASES} applied releases, the newest
 * {@link MAX_REFUSALS} refusals and as many held releases, and always the running release, the last
 * succeeded one and any release still progressing or waiting, whatever the caps say. Order is kept.
 *
 * @example
 * capHistory([success, ...sixtyRefusals]); // success and the newest 20 refusals
 */
export function capHistory(records: readonly ReleaseRecord[]): ReleaseRecord[] {
  const keep = new Set<ReleaseRecord>();
  for (const record of applied(records).slice(-MAX_RELEASES)) keep.add(record);
  for (const record of records.filter((item) => item.result === 'refused' && item.hold === undefined).slice(-MAX_REFUSALS)) keep.add(record);
  for (const record of records.filter((item) => item.hold !== undefined).slice(-MAX_REFUSALS)) keep.add(record);
  for (const pinned of [
    runningRelease(records),
    lastSucceeded(records),
    ...records.filter((item) => item.result === 'progressing' || item.result === 'waiting'),
  ]) {
    if (pinned !== undefined) keep.add(pinned);
  }
  return records.filter((record) => keep.has(record));
}

/**
 * What runs now, per repository: the images of the newest applied release, or the manifests' own
 * when there is none.
 *
 * @example
 * currentImages(history, target)['ghcr.io/acme/web']; // 'ghcr.io/acme/web:v1.2.0@sha256:...'
 */
export function currentImages(records: readonly ReleaseRecord[], target: DeployTarget): Record<string, string> {
  return applied(records).at(-1)?.images ?? manifestImages(target);
}

/**
 * The newest succeeded release before `revision` (all when omitted): where a rollback goes.
 *
 * @example
 * lastSucceeded(history, 5)?.revision; // 3
 */
export function lastSucceeded(records: readonly ReleaseRecord[], before = Infinity): ReleaseRecord | undefined {
  return records.filter((record) => record.result === 'succeeded' && record.revision < before).at(-1);
}

/**
 * The next revision number.
 *
 * @example
 * nextRevision([]); // 1
 */
export function nextRevision(records: readonly ReleaseRecord[]): number {
  return Math.max(0, ...records.map((record) => record.revision)) + 1;
}

/**
 * A record's images as pinned images, for rendering; unpinned manifest images are left out (they stay as written).
 *
 * @example
 * pinnedImages(record.images)['ghcr.io/acme/web']; // { repository, tag, digest }
 */
export function pinnedImages(images: Readonly<Record<string, string>>): Record<string, PinnedImage> {
  const out: Record<string, PinnedImage> = {};
  for (const [repository, ref] of Object.entries(images)) {
    const pinned = parsePinned(ref);
    if (pinned !== undefined) out[repository] = pinned;
  }
  return out;
}

/**
 * Returns the history with one record replaced (by revision) or appended; never changes its input.
 *
 * @example
 * await store.write(upsert(history, { ...record, result: 'succeeded' }));
 */
export function upsert(records: readonly ReleaseRecord[], record: ReleaseRecord): ReleaseRecord[] {
  const index = records.findIndex((item) => item.revision === record.revision);
  if (index === -1) return [...records, record];
  return records.map((item, at) => (at === index ? record : item));
}
